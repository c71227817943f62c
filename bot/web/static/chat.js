// The web chat: a thin client. Every text is inserted with textContent (never as HTML), and a
// message keeps its id across retries so a flaky connection cannot file it twice.
"use strict";
const log = document.getElementById("log");
const choicesBox = document.getElementById("choices");
const form = document.getElementById("composer");
const input = document.getElementById("text");
const fileInput = document.getElementById("file");
const attach = document.getElementById("attach");
const offline = document.getElementById("offline");

function newId() {
  // crypto.randomUUID needs a secure context; getRandomValues works on plain http too.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function bubble(text, who) {
  const div = document.createElement("div");
  div.className = "msg " + who;
  div.textContent = text;
  log.appendChild(div);
  log.scrollTop = log.scrollHeight;
  return div;
}

function show(replies) {
  if (!replies.length) return;
  choicesBox.replaceChildren();
  let acceptsMedia = false;
  for (const reply of replies) {
    bubble(reply.text, "bot");
    acceptsMedia = reply.accepts_media;
    choicesBox.replaceChildren();
    for (const [key, label] of reply.choices) {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = label;
      b.dataset.key = key;
      b.addEventListener("click", () => send(key, label));
      choicesBox.appendChild(b);
    }
  }
  attach.hidden = !acceptsMedia;
}

async function deliver(url, options) {
  // Retry until the server answers: the message id makes retries harmless.
  for (let wait = 1000; ; wait = Math.min(wait * 2, 15000)) {
    try {
      const response = await fetch(url, options);
      if (response.ok) { offline.hidden = true; return await response.json(); }
      if (response.status < 500) { offline.hidden = true; return { replies: [] }; }
    } catch (e) { /* network down: retry */ }
    offline.hidden = false;
    await new Promise((r) => setTimeout(r, wait));
  }
}

async function send(text, shown) {
  if (!text.trim()) return;
  const mine = bubble(shown || text, "me pending");
  choicesBox.replaceChildren();
  const body = JSON.stringify({ text: text, message_id: newId() });
  const data = await deliver("/chat/api/message", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: body,
  });
  mine.classList.remove("pending");
  show(data.replies);
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = input.value;
  input.value = "";
  send(text);
});
input.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
});
fileInput.addEventListener("change", async () => {
  const file = fileInput.files[0];
  if (!file) return;
  const mine = bubble("📎 " + file.name, "me pending");
  const data = new FormData();
  data.append("file", file);
  data.append("message_id", newId());
  const result = await deliver("/chat/api/upload", { method: "POST", body: data });
  mine.classList.remove("pending");
  fileInput.value = "";
  show(result.replies);
});

async function poll() {
  try {
    const response = await fetch("/chat/api/updates");
    if (response.ok) show((await response.json()).replies);
  } catch (e) { /* try again later */ }
}
setInterval(poll, 10000);
send("/mulai", "/mulai");
