// The bed seen from the side: the track (0 mm = head end), the person's spine regions once the scan
// has found them, and the carriage where it is now, pressing as hard as its lift level.
const NS = "http://www.w3.org/2000/svg";
const X0 = 40;
const X1 = 760;
const REGION_COLORS = { cervical: "#4cc9f0", thoracic: "#3fb68b", lumbar: "#ffb347", sacral: "#c77dff" };
const REGION_NAMES = { cervical: "Neck", thoracic: "Upper back", lumbar: "Lower back", sacral: "Pelvis" };

function el(name, attrs, parent) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (parent) parent.appendChild(e);
  return e;
}

export class SpineFigure {
  constructor(svg) {
    this.svg = svg;
    this.trackMm = 780;
    this.spineKey = "";
    el("rect", { x: 20, y: 88, width: 760, height: 26, rx: 13, fill: "#1e2b39", stroke: "#2b3a4a" }, svg);
    el("text", { x: 20, y: 160, fill: "#93a4b5", "font-size": 13 }, svg).textContent = "Head";
    el("text", { x: 780, y: 160, fill: "#93a4b5", "font-size": 13, "text-anchor": "end" }, svg).textContent = "Feet";
    this.regions = el("g", {}, svg);
    this.placeholder = el("text", { x: 400, y: 60, fill: "#93a4b5", "font-size": 15, "text-anchor": "middle" }, svg);
    this.placeholder.textContent = "The spine is measured at the start of each program";
    this.carriage = el("g", {}, svg);
    this.glow = el("ellipse", { cx: 0, cy: 84, rx: 26, ry: 10, fill: "#ff9a3c", opacity: 0 }, this.carriage);
    el("rect", { x: -22, y: 90, width: 44, height: 22, rx: 6, fill: "#eef3f8" }, this.carriage);
    this.head = el("rect", { x: -16, y: 76, width: 32, height: 14, rx: 5, fill: "#ff9a3c" }, this.carriage);
    this.target = el("line", { x1: 0, x2: 0, y1: 118, y2: 128, stroke: "#93a4b5", "stroke-width": 2 }, svg);
  }

  x(mm) {
    return X0 + (Math.max(0, Math.min(this.trackMm, mm)) / this.trackMm) * (X1 - X0);
  }

  setTrack(trackMm) {
    if (trackMm > 0) this.trackMm = trackMm;
  }

  setSpine(spine) {
    const key = spine ? JSON.stringify(spine.regions) : "";
    if (key === this.spineKey) return;
    this.spineKey = key;
    this.regions.replaceChildren();
    this.placeholder.style.display = spine ? "none" : "";
    if (!spine) return;
    for (const [name, r] of Object.entries(spine.regions)) {
      const a = this.x(r.startMm);
      const b = this.x(r.endMm);
      const color = REGION_COLORS[name] ?? "#93a4b5";
      // vertebrae: small rounded blocks across the region
      const n = Math.max(2, Math.round((b - a) / 16));
      for (let i = 0; i < n; i++) {
        const w = (b - a) / n;
        el("rect", { x: a + i * w + 1.5, y: 40, width: Math.max(2, w - 3), height: 22, rx: 4, fill: color, opacity: 0.85 }, this.regions);
      }
      const label = el("text", { x: (a + b) / 2, y: 30, fill: color, "font-size": 13, "text-anchor": "middle", "font-weight": 600 }, this.regions);
      label.textContent = REGION_NAMES[name] ?? name;
      el("line", { x1: a, x2: a, y1: 36, y2: 114, stroke: "#2b3a4a", "stroke-dasharray": "3 3" }, this.regions);
    }
  }

  setCarriage(t) {
    if (!t) return;
    this.carriage.setAttribute("transform", `translate(${this.x(t.positionMm)},${-t.lift * 2})`);
    const heat = Math.max(0, Math.min(1, (t.projectorC - 30) / 30));
    this.glow.setAttribute("opacity", String(heat * 0.8));
    this.head.setAttribute("height", String(14 + t.lift * 2));
    this.head.setAttribute("y", String(76 - t.lift * 2));
    const tx = this.x(t.targetMm);
    this.target.setAttribute("x1", String(tx));
    this.target.setAttribute("x2", String(tx));
  }
}
