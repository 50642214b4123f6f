// The REST client every page shares: Girder's token (kept in the `girderToken` cookie so that
// <img> thumbnails and viewer tiles carry it, and sent as the `Girder-Token` header on fetch
// calls), JSON requests, and errors as ApiError carrying Girder's `{"message", "type"}`.

export const API_ROOT = '/api/v1';
const TOKEN_COOKIE = 'girderToken';

// An answer that was not 2xx (or a request that never got one: status 0).
export class ApiError extends Error {
  constructor(message, status, body = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.body = body;
  }
}

// --- the token

export function getToken() {
  for (const part of document.cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === TOKEN_COOKIE) {
      return decodeURIComponent(part.slice(eq + 1).trim()) || null;
    }
  }
  return null;
}

export function setToken(token, expires) {
  let cookie = `${TOKEN_COOKIE}=${encodeURIComponent(token)}; path=/; SameSite=Strict`;
  const when = expires ? new Date(expires) : null;
  if (when && !Number.isNaN(when.getTime())) cookie += `; expires=${when.toUTCString()}`;
  if (location.protocol === 'https:') cookie += '; Secure';
  document.cookie = cookie;
}

export function clearToken() {
  document.cookie = `${TOKEN_COOKIE}=; path=/; SameSite=Strict; max-age=0`;
}

// --- requests

// `/api/v1` + path + query string; query values that are undefined or null are left out, and
// objects are sent as JSON (large_image's `style`).
export function apiUrl(path, query = {}) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    params.set(key, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
  const qs = params.toString();
  return API_ROOT + path + (qs ? '?' + qs : '');
}

async function errorFrom(response) {
  let body = null;
  let message = `${response.status} ${response.statusText}`.trim();
  try {
    body = await response.json();
    if (body && typeof body.message === 'string') message = body.message;
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(message, response.status, body);
}

// One call. Resolves to the parsed JSON body (null for an empty one), or to the Response itself
// with {raw: true}; rejects with ApiError. `body` may be a Blob / ArrayBuffer (sent as is) or
// anything else (sent as JSON).
export async function request(method, path, options = {}) {
  const {query = {}, body, headers = {}, signal, raw = false, auth = true} = options;
  const h = new Headers(headers);
  const token = auth ? getToken() : null;
  if (token && !h.has('Girder-Token')) h.set('Girder-Token', token);
  let payload = body;
  if (body !== undefined && !(body instanceof Blob) && !(body instanceof ArrayBuffer) &&
      !ArrayBuffer.isView(body) && !(body instanceof FormData)) {
    payload = JSON.stringify(body);
    if (!h.has('Content-Type')) h.set('Content-Type', 'application/json');
  }
  let response;
  try {
    response = await fetch(apiUrl(path, query), {method, headers: h, body: payload, signal,
                                                 credentials: 'same-origin'});
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError('The server could not be reached (' + err.message + ').', 0);
  }
  if (!response.ok) throw await errorFrom(response);
  if (raw) return response;
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

export const api = {
  get: (path, query, options = {}) => request('GET', path, {...options, query}),
  post: (path, query, options = {}) => request('POST', path, {...options, query}),
  put: (path, query, options = {}) => request('PUT', path, {...options, query}),
  delete: (path, query, options = {}) => request('DELETE', path, {...options, query}),
};

// A page of a Girder list: asks for one more row than `limit` to know whether there is a next
// page, and reads Girder-Total-Count when the server sends it.
export async function getPage(path, query, {limit = 50, offset = 0} = {}) {
  const response = await request('GET', path, {query: {...query, limit: limit + 1, offset},
                                               raw: true});
  const rows = await response.json();
  const total = Number(response.headers.get('Girder-Total-Count'));
  return {
    rows: rows.slice(0, limit),
    offset,
    limit,
    hasMore: rows.length > limit,
    total: Number.isFinite(total) && response.headers.has('Girder-Total-Count') ? total : null,
  };
}

// --- the session

function basicAuth(login, password) {
  const bytes = new TextEncoder().encode(`${login}:${password}`);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return 'Basic ' + btoa(binary);
}

let mePromise = null;

// Logs in with Basic auth; stores the token and returns the user.
export async function login(loginName, password) {
  const answer = await request('GET', '/user/authentication', {
    headers: {Authorization: basicAuth(loginName, password)},
    auth: false,
  });
  if (!answer || !answer.authToken || !answer.authToken.token) {
    throw new ApiError('The server answered without a token.', 200, answer);
  }
  setToken(answer.authToken.token, answer.authToken.expires);
  mePromise = Promise.resolve(answer.user || null);
  return answer.user;
}

// Ends the session on the server (when there is one) and forgets the token either way.
export async function logout() {
  try {
    if (getToken()) await request('DELETE', '/user/authentication');
  } finally {
    clearToken();
    mePromise = Promise.resolve(null);
  }
}

// The logged-in user or null. Asked even without a token this page can read (a server may
// set its own HttpOnly girderToken cookie). A token the server no longer accepts is forgotten.
export function currentUser() {
  if (!mePromise) {
    mePromise = (async () => {
      try {
        return await api.get('/user/me');
      } catch (err) {
        if (err.status === 401) {
          clearToken();
          return null;
        }
        if (!getToken() && err.status !== 0) return null;  // a server without users
        throw err;
      }
    })();
  }
  return mePromise;
}

// Girder's display name for a user.
export function userName(user) {
  if (!user) return '';
  const full = [user.firstName, user.lastName].filter(Boolean).join(' ');
  return full || user.login || user._id;
}
