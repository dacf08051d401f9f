export { operatorCredential, operatorEmbedder, operatorQueryEmbedder } from "@/src/server/commands/operator";
