export const SEMI_SPACE_MB: number;
export function serverNodeArgs(env?: Record<string, string | undefined>): string[];
export function nextStartArgs(
  root: string,
  options: { port: number | string; host?: string; env?: Record<string, string | undefined>; nodeArgs?: string[] },
): string[];
