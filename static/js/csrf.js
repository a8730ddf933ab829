// The CSRF token a POST sends: Django's csrftoken cookie, which every page sets. Pages carry no
// token of their own, so a cached lesson page is the same for every reader
// (https://docs.djangoproject.com/en/5.2/howto/csrf/#acquiring-the-token-if-csrf-use-sessions-and-csrf-cookie-httponly-are-false).
export function csrfToken() {
  for (const pair of document.cookie.split(";")) {
    const [name, ...value] = pair.trim().split("=");
    if (name === "csrftoken") return decodeURIComponent(value.join("="));
  }
  return "";
}
