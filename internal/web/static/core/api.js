// core/api.js: the JSON API client. Every failure becomes an ApiError whose
// message a person can read: the server's own message when it sent one
// (vigil's messages are written for people), else a sentence from the table
// below, by error code and then by HTTP status.

// messages turns an error code or status into words.
export const messages = {
  network: "vigil cannot be reached. Check the connection and try again.",
  unauthenticated: "Your session has ended. Sign in again.",
  forbidden: "You do not have permission to do this.",
  mfa_required: "Confirm with your authenticator app first.",
  consent_required: "This needs your consent first.",
  not_found: "This no longer exists, or you cannot see it.",
  conflict: "This changed meanwhile. Reload the page and try again.",
  rate_limited: "Too many attempts. Wait a minute, then try again.",
  locked: "Too many failed attempts: signing in is paused for a while. Check your e-mail.",
  too_large: "That is too large to send.",
  gone: "This was deleted for good.",
  unavailable: "A part of vigil is not available right now. Try again in a minute.",
  internal: "Something went wrong on vigil's side. Try again; if it persists, contact support.",
  400: "vigil could not accept this. Check what you entered.",
  401: "Your session has ended. Sign in again.",
  403: "You do not have permission to do this.",
  404: "This no longer exists, or you cannot see it.",
  409: "This changed meanwhile. Reload the page and try again.",
  413: "That is too large to send.",
  429: "Too many attempts. Wait a minute, then try again.",
  500: "Something went wrong on vigil's side. Try again; if it persists, contact support.",
  502: "vigil is not reachable right now. Try again in a minute.",
  503: "A part of vigil is not available right now. Try again in a minute.",
};

// ApiError is a failed request: status (0 without an answer), code (the
// API's error code, when it sent one) and a readable message.
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

// explain chooses the message for a failed answer.
export function explain(status, code, serverMessage) {
  if (serverMessage && status < 500) return serverMessage;
  return messages[code] || messages[status] || messages[Math.floor(status / 100) * 100] || "The request failed (" + status + ").";
}

// request sends a JSON request with the session cookie and returns the
// parsed answer (an empty object for 204).
export async function request(method, path, body, { headers = {}, raw = false } = {}) {
  const opts = { method, headers: { ...headers }, credentials: "same-origin" };
  if (body !== undefined && !(body instanceof Blob)) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  } else if (body !== undefined) opts.body = body;
  let res;
  try { res = await fetch(path, opts); } catch { throw new ApiError(0, "network", messages.network); }
  if (raw && res.ok) return res;
  const text = await res.text();
  let data = {};
  try { data = text ? JSON.parse(text) : {}; } catch { data = {}; }
  if (!res.ok) {
    const err = data.error || {};
    throw new ApiError(res.status, err.code || "", explain(res.status, err.code, err.message));
  }
  return data;
}

export const api = {
  get: (p, o) => request("GET", p, undefined, o),
  post: (p, b, o) => request("POST", p, b, o),
  put: (p, b, o) => request("PUT", p, b, o),
  patch: (p, b, o) => request("PATCH", p, b, o),
  del: (p, o) => request("DELETE", p, undefined, o),
};
