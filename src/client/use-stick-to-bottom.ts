"use client";

import { useLayoutEffect, useRef, useState } from "react";

const NEAR_BOTTOM_PX = 48;

/**
 * Follows a growing list only while the reader is at its end: scrolling up to read stops
 * the following, and `jumpToLatest` (the "Jump to latest" button) resumes it.
 * `container` goes on the scrolling element.
 */
export function useStickToBottom<T extends HTMLElement>(content: unknown) {
  const container = useRef<T>(null);
  const [atBottom, setAtBottom] = useState(true);
  const following = useRef(true);

  function onScroll() {
    const element = container.current;
    if (!element) return;
    const near = element.scrollHeight - element.scrollTop - element.clientHeight <= NEAR_BOTTOM_PX;
    following.current = near;
    setAtBottom(near);
  }

  useLayoutEffect(() => {
    // Before paint, so a streamed token never shows the list jumping.
    const element = container.current;
    if (element && following.current) element.scrollTop = element.scrollHeight;
  }, [content]);

  function jumpToLatest() {
    following.current = true;
    setAtBottom(true);
    const element = container.current;
    if (element) element.scrollTop = element.scrollHeight;
  }

  return { container, atBottom, onScroll, jumpToLatest };
}
