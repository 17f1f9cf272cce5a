import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import PDFDocument from "pdfkit";
import { markerPath, type LineChartModel } from "../charts/line";

// Page layout for the report PDF on top of pdfkit: A4 pages with room for a running header and footer,
// headings, paragraphs, tables that break across pages with their header repeated, key-value blocks,
// vector line charts from lib/charts/line.ts and small raster images. No clock, no randomness.

export const PAGE = { width: 595.28, height: 841.89, left: 54, right: 54, top: 74, bottom: 70 } as const;

export const COLORS = {
  ink: "#0f172a",
  text: "#334155",
  muted: "#64748b",
  faint: "#94a3b8",
  rule: "#cbd5e1",
  hair: "#e2e8f0",
  zebra: "#f8fafc",
  headFill: "#eef2ff",
  brand: "#4338ca",
  brandDark: "#1e1b4b",
  satisfied: "#047857",
  partial: "#b45309",
  failing: "#be123c",
  stale: "#4338ca",
  not_assessed: "#475569",
} as const;

export const FONTS = { regular: "Body", bold: "Body-Bold", italic: "Body-Italic", mono: "Mono" } as const;

// The fonts ship in the npm package dejavu-fonts-ttf (DejaVu Sans Condensed and Sans Mono: Latin,
// Greek, Cyrillic), read from node_modules, never from a system path.
let fontCache: Record<keyof typeof FONTS, Buffer> | null = null;
function fontFiles(): Record<keyof typeof FONTS, Buffer> {
  if (fontCache) return fontCache;
  const dirs: string[] = [];
  try {
    dirs.push(join(dirname(createRequire(import.meta.url).resolve("dejavu-fonts-ttf/package.json")), "ttf"));
  } catch {
    // bundlers may not resolve a package without JavaScript; fall back to the project's node_modules
  }
  dirs.push(join(process.cwd(), "node_modules", "dejavu-fonts-ttf", "ttf"));
  const dir = dirs.find((d) => existsSync(join(d, "DejaVuSansCondensed.ttf")));
  if (!dir) throw new Error("The report font (npm package dejavu-fonts-ttf) is not installed: run npm install");
  fontCache = {
    regular: readFileSync(join(dir, "DejaVuSansCondensed.ttf")),
    bold: readFileSync(join(dir, "DejaVuSansCondensed-Bold.ttf")),
    italic: readFileSync(join(dir, "DejaVuSansCondensed-Oblique.ttf")),
    mono: readFileSync(join(dir, "DejaVuSansMono.ttf")),
  };
  return fontCache;
}

export type Cell = string | { text: string; color?: string; bold?: boolean; mono?: boolean };
export interface Column {
  header: string;
  /** Relative width. */
  width: number;
  align?: "left" | "right" | "center";
  mono?: boolean;
}

const cellText = (c: Cell) => (typeof c === "string" ? c : c.text);

export class Layout {
  readonly doc: PDFKit.PDFDocument;
  y: number = PAGE.top;
  readonly contents: { title: string; page: number; level: number }[] = [];

  constructor(info: { title: string; subject: string; author: string; keywords: string; created: Date; modified: Date }) {
    this.doc = new PDFDocument({
      size: "A4",
      margins: { top: PAGE.top, bottom: PAGE.bottom, left: PAGE.left, right: PAGE.right },
      bufferPages: true,
      autoFirstPage: false,
      compress: true,
      // Fixed document information: the same snapshot always gives the same bytes (the file ID is
      // derived from this dictionary, font subset tags from the font's position).
      info: {
        Title: info.title,
        Subject: info.subject,
        Author: info.author,
        Keywords: info.keywords,
        Creator: "Bulwark",
        Producer: "Bulwark report renderer (pdfkit)",
        CreationDate: info.created,
        ModDate: info.modified,
      },
    });
    const f = fontFiles();
    this.doc.registerFont(FONTS.regular, f.regular);
    this.doc.registerFont(FONTS.bold, f.bold);
    this.doc.registerFont(FONTS.italic, f.italic);
    this.doc.registerFont(FONTS.mono, f.mono);
  }

  get left() { return PAGE.left; }
  get right() { return PAGE.width - PAGE.right; }
  get width() { return PAGE.width - PAGE.left - PAGE.right; }
  get bottom() { return PAGE.height - PAGE.bottom; }
  get pageNumber() { return this.doc.bufferedPageRange().count; }

  newPage() {
    this.doc.addPage();
    this.y = PAGE.top;
  }

  /** Starts a new page when less than `h` points are left. */
  ensure(h: number) {
    if (this.y + h > this.bottom) this.newPage();
  }

  gap(h = 8) {
    this.y += h;
  }

  font(name: keyof typeof FONTS, size: number, color: string = COLORS.text) {
    this.doc.font(FONTS[name]).fontSize(size).fillColor(color);
    return this;
  }

  /** Flowing text; pdfkit continues it on the next page when it runs past the bottom margin. */
  text(s: string, opts: { size?: number; font?: keyof typeof FONTS; color?: string; x?: number; width?: number; gapAfter?: number; align?: "left" | "justify" | "center" | "right"; lineGap?: number } = {}) {
    this.font(opts.font ?? "regular", opts.size ?? 9.5, opts.color ?? COLORS.text);
    const x = opts.x ?? this.left;
    this.doc.text(s, x, this.y, { width: opts.width ?? this.right - x, align: opts.align ?? "left", lineGap: opts.lineGap ?? 1.5 });
    this.y = this.doc.y + (opts.gapAfter ?? 4);
  }

  bullets(items: string[], opts: { size?: number; color?: string } = {}) {
    for (const it of items) {
      this.font("regular", opts.size ?? 9.5, opts.color ?? COLORS.text);
      const h = this.doc.heightOfString(it, { width: this.width - 14, lineGap: 1.5 });
      this.ensure(Math.min(h, 40));
      this.doc.circle(this.left + 4, this.y + 5, 1.6).fill(COLORS.brand);
      this.text(it, { ...opts, x: this.left + 14, gapAfter: 3 });
    }
  }

  /** A numbered section heading (level 1 starts a new page), recorded for the contents page and the outline. */
  heading(title: string, level: 1 | 2 | 3 = 1, opts: { samePage?: boolean } = {}) {
    if (level === 1) {
      if (opts.samePage && this.y + 140 <= this.bottom) this.gap(18);
      else this.newPage();
      this.font("bold", 17, COLORS.brandDark);
      this.doc.text(title, this.left, this.y, { width: this.width });
      this.y = this.doc.y + 4;
      this.doc.moveTo(this.left, this.y).lineTo(this.right, this.y).lineWidth(1.2).strokeColor(COLORS.brand).stroke();
      this.y += 12;
    } else {
      this.ensure(level === 2 ? 90 : 60);
      this.gap(level === 2 ? 8 : 4);
      this.font("bold", level === 2 ? 12.5 : 10.5, level === 2 ? COLORS.brandDark : COLORS.ink);
      this.doc.text(title, this.left, this.y, { width: this.width });
      this.y = this.doc.y + (level === 2 ? 6 : 4);
    }
    if (level <= 2) {
      this.contents.push({ title, page: this.pageNumber, level });
      this.doc.outline.addItem(title);
    }
  }

  /** Label/value rows in two columns. */
  keyValues(rows: [string, string][], opts: { labelWidth?: number; size?: number; monoValues?: boolean } = {}) {
    const lw = opts.labelWidth ?? 140;
    const size = opts.size ?? 9;
    for (const [k, v] of rows) {
      this.font(opts.monoValues ? "mono" : "regular", opts.monoValues ? size - 1 : size);
      const h = Math.max(this.doc.heightOfString(v || "—", { width: this.width - lw, lineGap: 1 }), size * 1.2) + 4;
      this.ensure(h);
      this.font("bold", size, COLORS.muted);
      this.doc.text(k, this.left, this.y, { width: lw - 8, lineGap: 1 });
      this.font(opts.monoValues ? "mono" : "regular", opts.monoValues ? size - 1 : size, COLORS.ink);
      this.doc.text(v || "—", this.left + lw, this.y, { width: this.width - lw, lineGap: 1 });
      this.y += h;
    }
    this.gap(4);
  }

  /** A table that breaks across pages cleanly, repeating its header row on each page. */
  table(columns: Column[], rows: Cell[][], opts: { size?: number; caption?: string } = {}) {
    const size = opts.size ?? 8;
    const pad = 3.5;
    const total = columns.reduce((a, c) => a + c.width, 0);
    const widths = columns.map((c) => (c.width / total) * this.width);
    const xs = widths.map((_, i) => this.left + widths.slice(0, i).reduce((a, b) => a + b, 0));
    const measure = (c: Cell, i: number) => {
      const mono = (typeof c !== "string" && c.mono) || columns[i]!.mono;
      this.doc.font(mono ? FONTS.mono : typeof c !== "string" && c.bold ? FONTS.bold : FONTS.regular).fontSize(mono ? size - 0.5 : size);
      return this.doc.heightOfString(cellText(c) || " ", { width: widths[i]! - 2 * pad, lineGap: 0.5 });
    };
    this.doc.font(FONTS.bold).fontSize(size);
    const headH = Math.max(...columns.map((c, i) => this.doc.heightOfString(c.header, { width: widths[i]! - 2 * pad }))) + 2 * pad;
    const drawHeader = (continued: boolean) => {
      if (opts.caption) {
        this.font("italic", size, COLORS.muted);
        this.doc.text(`${opts.caption}${continued ? " (continued)" : ""}`, this.left, this.y, { width: this.width });
        this.y = this.doc.y + 2;
      }
      this.doc.rect(this.left, this.y, this.width, headH).fill(COLORS.headFill);
      this.font("bold", size, COLORS.brandDark);
      columns.forEach((c, i) => this.doc.text(c.header, xs[i]! + pad, this.y + pad, { width: widths[i]! - 2 * pad, align: c.align ?? "left", lineBreak: true }));
      this.y += headH;
      this.doc.moveTo(this.left, this.y).lineTo(this.right, this.y).lineWidth(0.8).strokeColor(COLORS.brand).stroke();
    };
    const captionH = opts.caption ? size * 1.4 : 0;
    const first = rows[0] ? Math.max(...rows[0].map(measure)) + 2 * pad : 0;
    this.ensure(captionH + headH + first);
    drawHeader(false);
    rows.forEach((row, r) => {
      const h = Math.max(...row.map(measure)) + 2 * pad;
      if (this.y + h > this.bottom) {
        this.newPage();
        drawHeader(true);
      }
      if (r % 2 === 1) this.doc.rect(this.left, this.y, this.width, h).fill(COLORS.zebra);
      row.forEach((c, i) => {
        const mono = (typeof c !== "string" && c.mono) || columns[i]!.mono;
        const bold = typeof c !== "string" && c.bold;
        this.doc.font(mono ? FONTS.mono : bold ? FONTS.bold : FONTS.regular).fontSize(mono ? size - 0.5 : size).fillColor(typeof c !== "string" && c.color ? c.color : COLORS.ink);
        this.doc.text(cellText(c), xs[i]! + pad, this.y + pad, { width: widths[i]! - 2 * pad, align: columns[i]!.align ?? "left", lineGap: 0.5 });
      });
      this.y += h;
      this.doc.moveTo(this.left, this.y).lineTo(this.right, this.y).lineWidth(0.4).strokeColor(COLORS.hair).stroke();
    });
    this.gap(10);
  }

  /** Draws a line chart model (the same geometry the web page renders as SVG) as vectors. */
  lineChart(m: LineChartModel, title: string) {
    const scale = this.width / m.width;
    const legendRows = Math.ceil(m.series.length / 3);
    const h = m.height * scale + 18 + legendRows * 12;
    this.ensure(h + 16);
    this.font("bold", 9, COLORS.ink);
    this.doc.text(title, this.left, this.y, { width: this.width });
    this.y = this.doc.y + 4;
    const d = this.doc;
    const x0 = this.left;
    const y0 = this.y;
    d.save();
    d.translate(x0, y0).scale(scale);
    const { margin } = m;
    // grid and axes
    for (const t of m.yTicks) {
      d.moveTo(margin.left, t.pos).lineTo(m.width - margin.right, t.pos).lineWidth(0.5 / scale).strokeColor(COLORS.hair).stroke();
    }
    d.moveTo(margin.left, margin.top).lineTo(margin.left, m.height - margin.bottom).lineTo(m.width - margin.right, m.height - margin.bottom).lineWidth(0.8 / scale).strokeColor(COLORS.faint).stroke();
    for (const s of m.series) {
      // A series another lies on is drawn wide and light, so the dashed one on top shows inside it.
      d.path(s.d).lineWidth((s.covered ? 4 : 1.6) / scale).strokeColor(s.color, s.covered ? 0.55 : 1);
      if (s.dash) d.dash(s.dash[0], { space: s.dash[1] });
      d.stroke();
      d.undash();
      // Markers by series; a series lying on an earlier one is drawn as larger outlines around its markers.
      for (const p of s.points) {
        d.path(markerPath(s.marker, p.px, p.py, (s.hollow ? 3.6 : 2.2) / scale));
        if (s.hollow) d.lineWidth(1 / scale).strokeColor(s.color).stroke();
        else d.fillColor(s.color).fill();
      }
    }
    d.restore();
    // tick labels in page units (text does not scale well)
    this.font("regular", 7, COLORS.muted);
    for (const t of m.yTicks) d.text(t.label, x0, y0 + t.pos * scale - 3.5, { width: margin.left * scale - 4, align: "right", lineBreak: false });
    for (const t of m.xTicks) d.text(t.label, x0 + t.pos * scale - 20, y0 + (m.height - margin.bottom) * scale + 3, { width: 40, align: "center", lineBreak: false });
    d.text(m.xLabel, x0 + margin.left * scale, y0 + (m.height - margin.bottom) * scale + 14, { width: (m.width - margin.left - margin.right) * scale, align: "center", lineBreak: false });
    d.save();
    d.rotate(-90, { origin: [x0 + 6, y0 + (m.height / 2) * scale] });
    d.text(m.yLabel, x0 + 6 - 60, y0 + (m.height / 2) * scale - 4, { width: 120, align: "center", lineBreak: false });
    d.restore();
    // legend
    let ly = y0 + m.height * scale + 8;
    m.series.forEach((s, i) => {
      const col = i % 3;
      if (i > 0 && col === 0) ly += 12;
      const lx = x0 + margin.left * scale + col * 150;
      d.moveTo(lx, ly + 4).lineTo(lx + 16, ly + 4).lineWidth(1.6).strokeColor(s.color);
      if (s.dash) d.dash(s.dash[0] * 0.8, { space: s.dash[1] * 0.8 });
      d.stroke();
      d.undash();
      d.path(markerPath(s.marker, lx + 8, ly + 4, s.hollow ? 2.8 : 2));
      if (s.hollow) d.lineWidth(0.9).strokeColor(s.color).stroke();
      else d.fillColor(s.color).fill();
      this.font("regular", 7.5, COLORS.text);
      d.text(s.sameAs ? `${s.name} (same as ${s.sameAs})` : s.name, lx + 20, ly, { width: 128, lineBreak: false });
    });
    this.y = ly + 18;
  }
}
