// console/webauthn.js: passkeys and security keys through the browser's
// WebAuthn API. vigil's options are JSON (base64url for bytes); the
// browser turns them into the binary form and its answer back into JSON.
import { api } from "../core/api.js";

export function supported() {
  return typeof PublicKeyCredential !== "undefined" && typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function";
}

function need() {
  if (!supported()) throw new Error("This browser cannot use passkeys or security keys here. Use a current browser, or an authenticator app if your role allows one.");
}

// register adds a key: code is the authenticator app's, when moving from
// it to a key. It answers the server's reply (a session, or a status).
export async function register(code) {
  need();
  const opts = await api.post("/api/v1/staff/auth/keys", code ? { code } : {});
  const cred = await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(opts.publicKey) });
  return api.post("/api/v1/staff/auth/keys/finish", { credential: cred.toJSON() });
}

// signIn completes the second sign-in step with a registered key.
export async function signIn() {
  need();
  const opts = await api.post("/api/v1/staff/auth/key-sign-in");
  const cred = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(opts.publicKey) });
  return api.post("/api/v1/staff/auth/key-sign-in/finish", { credential: cred.toJSON() });
}
