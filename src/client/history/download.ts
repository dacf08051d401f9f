"use client";

import type { Conversation } from "@/src/client/history/conversation-schema";
import { exportFileName, exportJson, exportMarkdown } from "@/src/client/history/conversation-transfer";

/** Saves conversations as a file the browser downloads (a blob URL: nothing leaves the machine). */
export function downloadConversations(conversations: Conversation[], format: "md" | "json"): void {
  const now = new Date();
  const text = format === "md" ? exportMarkdown(conversations) : exportJson(conversations, now);
  const blob = new Blob([text], { type: format === "md" ? "text/markdown;charset=utf-8" : "application/json" });
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = exportFileName(conversations, format, now);
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
