// Module resolve hook for the CLI: `server-only` becomes an empty module (see quire.mjs).
export async function resolve(specifier, context, nextResolve) {
  if (specifier === "server-only") return { url: "data:text/javascript,export{}", shortCircuit: true };
  return nextResolve(specifier, context);
}
