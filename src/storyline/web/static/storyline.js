// Storyline pages: the only script they run (the CSP allows no other).
// Text from the server is always set with textContent, never as HTML.
"use strict";

// A click on a citation number opens the source sentence in place; a second click closes it.
// Without this script the citation is a plain link to the article, scrolled to the words.
document.addEventListener("click", (event) => {
  const link = event.target.closest("a.cite[data-panel]");
  if (!link) return;
  const panel = document.getElementById(link.dataset.panel);
  if (!panel) return;
  event.preventDefault();
  const opening = panel.hidden;
  panel.hidden = !opening;
  link.setAttribute("aria-expanded", String(opening));
});

// The ingest form: send the files with the token as a header, then show the job's progress.
function setupIngest() {
  const form = document.getElementById("ingest-form");
  if (!form) return;
  const box = document.getElementById("ingest-progress");
  const bar = document.getElementById("ingest-bar");
  const status = document.getElementById("ingest-status");
  const rejected = document.getElementById("ingest-rejected");
  const done = document.getElementById("ingest-done");

  function show(job) {
    box.hidden = false;
    const total = Math.max(job.files, 1);
    bar.max = total;
    bar.value = job.files_done;
    status.classList.toggle("error", job.status === "failed");
    status.textContent = `${job.status}: ${job.files_done} of ${job.files} files, ${job.articles_read} articles read, ` +
      `${job.new} new` + (job.error ? ` — ${job.error}` : "");
    rejected.replaceChildren(...job.rejected.map((line) => {
      const item = document.createElement("li");
      item.textContent = "skipped " + line;
      return item;
    }));
    done.hidden = job.status !== "done";
  }

  async function poll(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    const job = await response.json();
    if (!response.ok) { fail(job.detail); return; }
    show(job);
    if (job.status !== "done" && job.status !== "failed") setTimeout(() => poll(url), 1000);
  }

  function fail(message) {
    box.hidden = false;
    status.classList.add("error");
    status.textContent = "error: " + message;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const token = data.get("token") || "";
    data.delete("token");
    status.textContent = "uploading…";
    box.hidden = false;
    try {
      const response = await fetch(form.action, { method: "POST", body: data,
        headers: { Authorization: "Bearer " + token, Accept: "application/json" } });
      const body = await response.json();
      if (!response.ok) { fail(body.detail); return; }
      show(body);
      poll(body.url);
    } catch (error) {
      fail(String(error));
    }
  });
}

setupIngest();
