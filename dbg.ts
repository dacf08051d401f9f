import { chunkDocument, DEFAULT_CHUNKING } from "@/src/server/rag/chunk/chunker";
import { loadDocument } from "@/src/server/rag/load/load-documents";
import { analyzeChunk } from "@/src/server/rag/lexical/analyze";
for (const c of chunkDocument(await loadDocument("docs", "getting-started.md"), DEFAULT_CHUNKING)) { const a = analyzeChunk(c); console.log(c.ordinal, c.heading, c.tokenCount, a.bodyLength, JSON.stringify(a.terms.get("instal"))); }
