// Renders post bodies as a Steem/Hive frontend does: @ecency/render-helper's renderPostBody.
// Input: JSON lines {"id": ..., "body": "..."} on stdin. Output: JSON lines {"id", "html"} or
// {"id", "error"} on stdout, in input order. One process renders the whole corpus.
"use strict";
const readline = require("readline");
const { renderPostBody } = require("@ecency/render-helper");

const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on("line", (line) => {
  if (!line.trim()) return;
  const { id, body } = JSON.parse(line);
  let answer;
  try {
    // forApp=false: the web rendering (what a reader on ecency.com sees); webp=false.
    answer = { id, html: renderPostBody(body, false, false) };
  } catch (error) {
    answer = { id, error: String(error && error.stack ? error.stack : error) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
});
