// A temperature chart on a canvas: the element reading (solid) and its setpoint (dashed) over the
// last ten minutes. Redrawn whole on every update; a few hundred points cost nothing.
/** The window grows with the curve from 2 to 10 minutes, so a fresh session is not a sliver at the edge. */
const WINDOW_MIN_S = 120;
const WINDOW_MAX_S = 600;

export class TemperatureChart {
  constructor(canvas, { color, minC, maxC }) {
    this.canvas = canvas;
    this.color = color;
    this.minC = minC;
    this.maxC = maxC;
    this.points = [];
  }

  reset(samples, key, setKey) {
    this.points = samples.map((s) => ({ tS: s.tS, c: s[key], setC: s[setKey] }));
  }

  add(tS, c, setC) {
    const last = this.points[this.points.length - 1];
    if (last && tS < last.tS) this.points = []; // the bed restarted
    if (last && tS - last.tS < 1) return;
    this.points.push({ tS, c, setC });
    if (this.points.length > 900) this.points.shift();
  }

  draw() {
    const cv = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const w = cv.clientWidth;
    const h = cv.clientHeight;
    if (cv.width !== Math.round(w * dpr)) cv.width = Math.round(w * dpr);
    if (cv.height !== Math.round(h * dpr)) cv.height = Math.round(h * dpr);
    const g = cv.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    const left = 34;
    const bottom = h - 18;
    const top = 6;
    const right = w - 6;
    const nowS = this.points.length ? this.points[this.points.length - 1].tS : 0;
    const spanS = this.points.length ? nowS - this.points[0].tS : 0;
    const windowS = Math.min(WINDOW_MAX_S, Math.max(WINDOW_MIN_S, Math.ceil((spanS * 1.05) / 60) * 60));
    const x = (tS) => right - ((nowS - tS) / windowS) * (right - left);
    const y = (c) => bottom - ((Math.min(Math.max(c, this.minC), this.maxC) - this.minC) / (this.maxC - this.minC)) * (bottom - top);

    g.font = "11px DejaVu Sans, sans-serif";
    g.fillStyle = "#93a4b5";
    g.strokeStyle = "#2b3a4a";
    g.lineWidth = 1;
    for (let c = Math.ceil(this.minC / 10) * 10; c <= this.maxC; c += 10) {
      g.beginPath();
      g.moveTo(left, y(c));
      g.lineTo(right, y(c));
      g.stroke();
      g.fillText(`${c}°`, 4, y(c) + 4);
    }
    g.fillText(`${windowS / 60} min ago`, left, h - 4);
    g.fillText("now", right - 24, h - 4);
    const visible = this.points.filter((p) => nowS - p.tS <= windowS);
    if (visible.length < 2) return;

    g.setLineDash([6, 5]);
    g.strokeStyle = "rgba(238,243,248,0.55)";
    g.lineWidth = 1.5;
    g.beginPath();
    visible.forEach((p, i) => (i ? g.lineTo(x(p.tS), y(p.setC || this.minC)) : g.moveTo(x(p.tS), y(p.setC || this.minC))));
    g.stroke();
    g.setLineDash([]);

    const grad = g.createLinearGradient(0, top, 0, bottom);
    grad.addColorStop(0, this.color + "55");
    grad.addColorStop(1, this.color + "00");
    g.beginPath();
    visible.forEach((p, i) => (i ? g.lineTo(x(p.tS), y(p.c)) : g.moveTo(x(p.tS), y(p.c))));
    g.lineTo(x(visible[visible.length - 1].tS), bottom);
    g.lineTo(x(visible[0].tS), bottom);
    g.closePath();
    g.fillStyle = grad;
    g.fill();
    g.strokeStyle = this.color;
    g.lineWidth = 2.5;
    g.beginPath();
    visible.forEach((p, i) => (i ? g.lineTo(x(p.tS), y(p.c)) : g.moveTo(x(p.tS), y(p.c))));
    g.stroke();
  }
}
