// A lesson page kept whole for a learner who isn't signed in (lessons/pages.py) says where
// their own part is (data-yours): who is signed in, their badges for the lesson, their standing
// on its exercises. It arrives here, as HTML the server rendered, and goes where the page
// keeps a reader's. Best effort: without it the page reads as a newcomer's.
function fragment(html) {
  const template = document.createElement("template");
  template.innerHTML = html;
  return template.content;
}

export async function fillYours(article) {
  const url = article?.dataset.yours;
  if (!url) return;
  let part;
  try {
    const reply = await fetch(url, { headers: { Accept: "application/json" } });
    if (!reply.ok) return;
    part = await reply.json();
  } catch {
    return;
  }
  document.querySelector(".account-link")?.replaceWith(fragment(part.account_link));
  article.querySelector(".learner-badges")?.replaceChildren(fragment(part.badges));
  for (const { slug, standing, attempted } of part.exercises) {
    const block = document.getElementById(`exercise-${slug}`);
    if (!block || block.dataset.lastStatus) continue; // run already: the block knows better
    block.querySelector(".exercise-standing")?.replaceChildren(fragment(standing));
    if (attempted) block.dataset.attempted = "true";
  }
  article.dataset.yoursArrived = "true";
}
