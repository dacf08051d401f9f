export const SEMI_SPACE_MB: number;
export function serverNodeArgs(env?: Record<string, string | undefined>): string[];
