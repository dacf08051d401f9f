import "server-only";

export { materialiseGit, type GitSourceOptions, type MaterialisedGitSource } from "@/src/server/rag/sources/git/materialise-git";
export { describeGitRemote } from "@/src/server/rag/sources/git/remote";
