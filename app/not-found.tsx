import Link from "next/link";

/** Our own 404: Next's built-in one uses inline styles, which the CSP refuses. */
export default function NotFound() {
  return (
    <main className="page">
      <h1>Page not found</h1>
      <p className="muted">There is nothing at this address.</p>
      <Link href="/">Back to the chat</Link>
    </main>
  );
}
