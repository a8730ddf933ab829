// A lesson counts as read once the learner reaches its end (the pager under it). Best effort:
// progress is a record on the side, and reading goes on whatever happens to it.
import { postQuietly } from "../post.js";

export function markReadAtTheEnd(article, pager, url) {
  if (!article || !pager || !url) return;
  const observer = new IntersectionObserver((entries) => {
    if (!entries.some((entry) => entry.isIntersecting)) return;
    observer.disconnect();
    postQuietly(url, { lesson: article.dataset.lesson });
  });
  observer.observe(pager);
}
