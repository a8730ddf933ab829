// Requests to this server. Every failure becomes a RunError of one kind ("http": the server
// answered 4xx/5xx, "timeout", "network" or "cancelled"), so each gets its own message.

import { csrfToken } from "../csrf.js";

export class RunError extends Error {
  constructor(kind, message, { status = null, retryAfter = null } = {}) {
    super(message);
    this.kind = kind;
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

// fetch() rejects with the signal's reason: AbortSignal.timeout's is a TimeoutError,
// a plain abort() an AbortError.
export function asRunError(error) {
  if (error instanceof RunError) return error;
  if (error?.name === "TimeoutError") return new RunError("timeout", "No answer in time.");
  if (error?.name === "AbortError") return new RunError("cancelled", "Cancelled.");
  return new RunError("network", "Could not reach the server.");
}

async function httpError(response) {
  let message = "";
  try {
    const body = await response.json();
    if (body?.error) message = String(body.error);
  } catch {
    // Not JSON (a proxy's error page, say): the status line has to do.
  }
  const retry = Number.parseInt(response.headers.get("Retry-After") ?? "", 10);
  return new RunError("http", message || `${response.status} ${response.statusText}`.trim(), {
    status: response.status,
    retryAfter: Number.isFinite(retry) ? retry : null,
  });
}

// A GET that gives up after `timeout` ms or when `signal` (the caller's Cancel) fires.
export async function request(url, { signal = null, timeout, accept = "application/json" }) {
  const deadline = AbortSignal.timeout(timeout);
  try {
    const response = await fetch(url, {
      signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
      cache: "no-store",
      credentials: "same-origin",
      headers: { Accept: accept },
    });
    if (!response.ok) throw await httpError(response);
    return response;
  } catch (error) {
    throw asRunError(error);
  }
}

export async function readJSON(response) {
  try {
    return await response.json();
  } catch (error) {
    throw asRunError(error);
  }
}

export async function getJSON(url, options) {
  return readJSON(await request(url, options));
}

// A POST of `body` as JSON with the CSRF token (the exercises' Run), answered with JSON.
export async function postJSON(url, body, { signal = null, timeout }) {
  const deadline = AbortSignal.timeout(timeout);
  const token = csrfToken();
  let response;
  try {
    response = await fetch(url, {
      method: "POST",
      signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
      cache: "no-store",
      credentials: "same-origin",
      headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify(body),
    });
  } catch (error) {
    throw asRunError(error);
  }
  if (!response.ok) throw await httpError(response);
  try {
    return await response.json();
  } catch (error) {
    throw asRunError(error);
  }
}
