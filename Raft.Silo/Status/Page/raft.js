// The /raft page: polls /raft/status.json about once a second and redraws every group. Text goes in through
// textContent only, so nothing a peer reports can inject markup.
"use strict";

const pollMs = 1000;
const windowSeconds = 300;
const palette = ["#2f6fdb", "#0b7a3e", "#8e44ad", "#c0392b", "#b7791f", "#00838f", "#6d4c41"];

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value;
    else if (key === "style") node.style.cssText = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

function table(headers, rows) {
  return el("table", {},
    el("thead", {}, el("tr", {}, ...headers.map(h => el("th", { class: h.cls || "" }, h.text || h)))),
    el("tbody", {}, ...rows));
}

function ago(now, then) {
  if (!then) return "never";
  const ms = Math.max(0, new Date(now) - new Date(then));
  return ms < 1000 ? `${ms} ms ago` : `${(ms / 1000).toFixed(1)} s ago`;
}

function peerRow(group, reading) {
  const s = reading.status;
  const id = `${group.group}/${reading.peer}`;
  if (!s) {
    return el("tr", { class: "peer-row", "data-peer": id, "data-role": "unreachable", title: reading.error || "" },
      el("td", {}, id), el("td", { class: "role" }, "unreachable"),
      el("td", { class: "error", colspan: "6", style: "text-align:left" }, reading.error || "no answer"));
  }
  return el("tr", { class: "peer-row", "data-peer": id, "data-role": s.role },
    el("td", {}, id), el("td", { class: "role" }, s.role), el("td", {}, s.term), el("td", {}, s.commitIndex),
    el("td", {}, s.lastApplied), el("td", {}, s.lastLogIndex - s.snapshotIndex), el("td", {}, s.snapshotIndex),
    el("td", {}, s.leaderId || "-"));
}

function followerTable(report, leader) {
  const rows = leader.followers.map(f => el("tr", { class: "follower-row", "data-peer": f.peer },
    el("td", {}, f.peer), el("td", {}, f.matchIndex), el("td", {}, f.nextIndex), el("td", {}, f.lag),
    el("td", { class: "state" }, f.state), el("td", {}, ago(report.generatedAt, f.lastContact))));
  return [el("h3", {}, `Replication from leader ${leader.id}`),
    table(["follower", "match index", "next index", "lag (entries)", { text: "state", cls: "state" }, "last contact"], rows)];
}

function timeline(report, group) {
  const end = new Date(report.generatedAt).getTime();
  const start = end - windowSeconds * 1000;
  const colours = new Map();
  const colour = leader => {
    if (!colours.has(leader)) colours.set(leader, palette[colours.size % palette.length]);
    return colours.get(leader);
  };
  const bar = el("div", { class: "timeline", "data-changes": group.leaderChanges.length });
  group.leaderChanges.forEach((change, i) => {
    const from = Math.max(start, new Date(change.at).getTime());
    const to = i + 1 < group.leaderChanges.length ? new Date(group.leaderChanges[i + 1].at).getTime() : end;
    const width = ((to - from) / (end - start)) * 100;
    if (width <= 0) return;
    const label = change.leader ? `${change.leader} (term ${change.term})` : "no leader";
    bar.append(el("div", { class: change.leader ? "" : "none", title: label,
      style: `width:${width}%;${change.leader ? `background:${colour(change.leader)}` : ""}` }, label));
  });
  const changes = group.leaderChanges.slice(-6).reverse().map(c => el("li", {},
    `${new Date(c.at).toLocaleTimeString()}: ${c.leader ? `${c.leader} leads term ${c.term}` : `no leader (term ${c.term})`}`));
  return [el("h3", {}, `Leaders, last ${windowSeconds / 60} minutes`), bar,
    el("div", { class: "axis" }, el("span", {}, `-${windowSeconds / 60} min`), el("span", {}, "now")),
    el("ul", { class: "changes" }, ...changes)];
}

function render(report) {
  const main = document.getElementById("groups");
  const sections = report.groups.map(group => {
    const leader = group.peers.map(r => r.status).find(s => s && s.id === group.leader);
    const section = el("section", { class: "group", "data-group": group.group, "data-leader": group.leader || "" },
      el("h2", {}, `Group ${group.group}: ${group.leader ? `leader ${group.leader}` : "no leader"}, term ${group.term}`),
      table(["peer", { text: "role", cls: "role" }, "term", "commit", "applied", "log length", "snapshot", "leader"],
        group.peers.map(r => peerRow(group, r))));
    if (leader && leader.followers) section.append(...followerTable(report, leader));
    section.append(...timeline(report, group));
    return section;
  });
  main.replaceChildren(...sections);
  const updated = document.getElementById("updated");
  updated.className = "";
  updated.textContent = `updated ${new Date(report.generatedAt).toLocaleTimeString()}`;
}

async function poll() {
  try {
    const response = await fetch(`/raft/status.json?window=${windowSeconds}`, { cache: "no-store" });
    if (response.ok) render(await response.json());
    else throw new Error(`status.json answered ${response.status}`);
  } catch (error) {
    const updated = document.getElementById("updated");
    updated.className = "stale";
    updated.textContent = `cannot reach the silo (${error.message}); retrying`;
  } finally {
    setTimeout(poll, pollMs);
  }
}

poll();
