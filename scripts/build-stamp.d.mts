export function sourceStamp(root: string): string;
export function isBuildCurrent(root: string): boolean;
export function recordBuild(root: string, stamp: string): void;
