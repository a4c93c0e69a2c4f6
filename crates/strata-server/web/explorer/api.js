// api: talking to this server's /graphql. One POST per document, with the
// bearer token kept in this tab's sessionStorage when the server asks for
// one (under --auth-reads), and the form that asks for it.
import { $ } from "./dom.js";

const TOKEN_KEY = "strata-token";

/** The server answered 401: a token is needed (or the one given is wrong). */
export class AuthNeeded extends Error {}

/** Runs a GraphQL document; resolves to its `data`, rejects with its errors. */
export async function gql(query, variables = {}) {
  const headers = { "Content-Type": "application/json" };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = "Bearer " + token;
  const res = await fetch("/graphql", { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  const body = await res.json().catch(() => ({}));
  if (res.status === 401) throw new AuthNeeded(body.errors?.[0]?.message || "a token is needed");
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join("; "));
  if (!res.ok) throw new Error("HTTP " + res.status);
  return body.data;
}

/** Shows the token form, saying why. */
export function askToken(message) {
  const form = $("auth");
  form.hidden = false;
  form.querySelector("label").textContent = "This server needs a token to read (" + message + "):";
  $("token").focus();
}

/** Keeps the token typed into the form, then calls `then` (to start again). */
export function bindTokenForm(then) {
  $("auth").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const t = $("token").value.trim();
    if (!t) return;
    sessionStorage.setItem(TOKEN_KEY, t);
    $("token").value = "";
    $("auth").hidden = true;
    then();
  });
}
