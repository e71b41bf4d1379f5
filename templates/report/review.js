// The review preview (review.py): each element naming a metric (data-metric) is a mark; hovering over one shows its
// explanation in the panel, a click (or Enter) holds it there until another is clicked or the panel is closed.
(() => {
  const entries = JSON.parse(document.getElementById("explanations").textContent);
  const panel = document.getElementById("explanation");
  const marks = [...document.querySelectorAll("[data-metric]")].filter((mark) => mark.dataset.metric in entries);
  const gap = "待补：本稿此处暂缺上年数字";  // a figure of the year printed without its prior year's (a gap mark of a figure)
  let held = null;

  const element = (tag, text, className) => {
    const made = document.createElement(tag);
    if (text !== undefined) made.textContent = text;
    if (className) made.className = className;
    return made;
  };

  // the explanation's lines as `annual-report explain` prints them: a title line, sections after a blank line,
  // each opened by a line ending in "：", items indented
  const show = (mark) => {
    const entry = entries[mark.dataset.metric];
    const status = mark.hasAttribute("data-gap") ? "gap" : entry.status;
    panel.replaceChildren();
    const close = element("button", "×", "close");
    close.title = "关闭";
    close.addEventListener("click", () => hold(null));
    panel.append(close, element("h2", entry.lines[0]));
    const warning = status === entry.status ? entry.warning : gap;
    if (warning) panel.append(element("p", warning, `status ${status}`));
    let section = true;
    for (const line of entry.lines.slice(1)) {
      if (line === "") { section = true; continue; }
      if (section && line.endsWith("：")) panel.append(element("h3", line));
      else panel.append(element("p", line.trim(), line.startsWith("  ") ? "item" : ""));
      section = false;
    }
    if (entry.rows) {
      const link = element("a", `明细行（Excel，共 ${entry.count} 行）`, "rows");
      link.href = entry.rows;
      panel.append(link);
    } else if (entry.note) {
      panel.append(element("p", entry.note, "item"));
    }
    const sql = element("details");
    sql.append(element("summary", "计算SQL"), element("pre", entry.sql));
    panel.append(sql);
    panel.hidden = false;
    for (const other of marks) other.classList.toggle("active", other.dataset.metric === mark.dataset.metric
      && (other.dataset.mark === undefined || other.dataset.mark === mark.dataset.mark));
  };

  const hold = (mark) => {
    held = mark;
    if (mark) show(mark);
    else { panel.hidden = true; marks.forEach((other) => other.classList.remove("active")); }
  };

  const starts = new Set();
  for (const mark of marks) {
    const status = mark.hasAttribute("data-gap") ? "gap" : entries[mark.dataset.metric].status;
    mark.classList.add("mark", status);
    // a figure's first piece shows where it starts, beside a figure printed right before it (210场22000余人次)
    if (mark.dataset.mark !== undefined && !starts.has(mark.dataset.mark)) {
      starts.add(mark.dataset.mark);
      mark.classList.add("start");
    }
    mark.tabIndex = 0;
    mark.setAttribute("role", "button");
    mark.addEventListener("mouseenter", () => show(mark));
    mark.addEventListener("mouseleave", () => (held ? show(held) : hold(null)));
    mark.addEventListener("click", () => hold(mark));
    mark.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); hold(mark); }
    });
  }
  document.addEventListener("keydown", (event) => { if (event.key === "Escape") hold(null); });
})();
