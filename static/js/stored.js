// This browser's storage for what a learner would hate to lose on a reload (a typed answer,
// where a mock interview was). Storage may be off or full: then it lasts as long as the page.

export function readStored(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

// An empty value removes the key.
export function writeStored(key, value) {
  try {
    if (value) localStorage.setItem(key, value);
    else localStorage.removeItem(key);
  } catch {
    // Storage off or full: the page goes on without it.
  }
}
