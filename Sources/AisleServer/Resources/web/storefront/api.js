// The storefront's calls to Aisle's API. Same origin, no key: the page's session cookie
// authorises them as the storefront (the ingest key's permissions; docs/WEB.md).

const DEVICE_COOKIE = "aisle_device";
const USER_KEY = "aisle_user";

/** The anonymous device id, kept in a first-party cookie for a year. */
export function deviceID() {
  const found = document.cookie.split("; ").find((pair) => pair.startsWith(DEVICE_COOKIE + "="));
  if (found) return decodeURIComponent(found.slice(DEVICE_COOKIE.length + 1));
  const id = "web-" + crypto.randomUUID();
  document.cookie = `${DEVICE_COOKIE}=${encodeURIComponent(id)}; Path=/; Max-Age=31536000; SameSite=Lax`;
  return id;
}

/** The signed-in user id, or null. */
export function userID() {
  return localStorage.getItem(USER_KEY);
}

export function setUserID(id) {
  if (id) localStorage.setItem(USER_KEY, id);
  else localStorage.removeItem(USER_KEY);
}

/** Signing out: this browser becomes a new anonymous device (the old id stays linked to the
 *  user on the server, so its later views would still be theirs), and forgets what it viewed. */
export function forgetDevice() {
  document.cookie = `${DEVICE_COOKIE}=; Path=/; Max-Age=0; SameSite=Lax`;
  localStorage.removeItem("aisle_recent");
}

/** An API error with the server's code and message. */
export class APIError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Calls `path` (under /v1) and returns the decoded JSON (null for 204). */
export async function call(path, { method = "GET", body } = {}) {
  const options = { method, headers: {}, credentials: "same-origin" };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch("/v1/" + path, options);
  if (response.status === 204) return null;
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    throw new APIError(response.status, "bad_answer", `the server answered ${response.status} without JSON`);
  }
  if (!response.ok) {
    const error = (json && json.error) || {};
    throw new APIError(response.status, error.code || "error", error.message || `HTTP ${response.status}`);
  }
  return json;
}

/** A query string from an object, leaving out empty values. */
export function query(parameters) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(parameters)) {
    if (value !== undefined && value !== null && value !== "") search.set(name, String(value));
  }
  const text = search.toString();
  return text ? "?" + text : "";
}

/** The items `ids` names, by id (one request; unknown and hidden ids are left out). */
export async function items(ids) {
  const unique = [...new Set(ids)].slice(0, 100);
  if (unique.length === 0) return new Map();
  const answer = await call("items" + query({ ids: unique.join(",") }));
  return new Map(answer.data.map((item) => [item.id, item]));
}

/** Sends one event for this device (and the signed-in user). Never throws: tracking must
 *  not break the page. */
export async function track(type, itemID, extra = {}) {
  const event = { type, device_id: deviceID(), item_id: itemID, device: { platform: "web" }, ...extra };
  const user = userID();
  if (user) event.user_id = user;
  try {
    return await call("events", { method: "POST", body: event });
  } catch (error) {
    console.warn("event not sent:", error.message);
    return null;
  }
}
