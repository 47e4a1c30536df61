/**
 * The flow map: partners as nodes on an ellipse, one curved arrow per sender → recipient with the
 * delivered (solid, green), refused (dashed, red) and kept (dotted, grey) counts of the chosen
 * event type. No library: a small SVG layout. The table under the map carries the same figures
 * for screen readers.
 */

/** One row of `GET /audit/flows`. */
export interface Flow {
  readonly sender: string;
  readonly recipient: string;
  readonly eventType: string;
  readonly delivered: number;
  readonly refused: number;
  /** Events no partner may receive, applied to the hub's own state. */
  readonly kept?: number;
}

/** The totals of one sender → recipient pair. */
export interface Edge {
  readonly sender: string;
  readonly recipient: string;
  delivered: number;
  refused: number;
  kept: number;
  readonly types: string[];
}

interface Point {
  readonly x: number;
  readonly y: number;
}

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 900;
const HEIGHT = 560;
const NODE_RADIUS = 24;
const HUB_NODE = 'cstr-hub';
const COLOURS = {
  delivered: '#00703c',
  refused: '#a4161a',
  kept: '#505a5f',
  partner: '#005ea5',
  hub: '#0b0c0c',
  text: '#1b1b1b',
};

function svgElement(
  name: string,
  attributes: Readonly<Record<string, string | number>> = {},
  text?: string,
): SVGElement {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Totals per sender → recipient of the flows of `eventType` (all when empty). */
export function edgesOf(flows: readonly Flow[], eventType: string): Edge[] {
  const edges = new Map<string, Edge>();
  for (const flow of flows) {
    if (eventType && flow.eventType !== eventType) continue;
    const key = `${flow.sender}\u0000${flow.recipient}`;
    const edge = edges.get(key) ?? {
      sender: flow.sender,
      recipient: flow.recipient,
      delivered: 0,
      refused: 0,
      kept: 0,
      types: [],
    };
    edge.delivered += flow.delivered;
    edge.refused += flow.refused;
    edge.kept += flow.kept ?? 0;
    edge.types.push(
      `${flow.eventType}: ${flow.delivered} delivered, ${flow.refused} refused${flow.kept ? `, ${flow.kept} kept by the hub` : ''}`,
    );
    edges.set(key, edge);
  }
  return [...edges.values()];
}

/** Node positions: the partners on an ellipse, in name order. */
function layout(names: readonly string[]): Map<string, Point> {
  const rx = WIDTH / 2 - 120;
  const ry = HEIGHT / 2 - 70;
  return new Map(
    names.map((name, index) => {
      const angle = -Math.PI / 2 + (2 * Math.PI * index) / names.length;
      return [name, { x: WIDTH / 2 + rx * Math.cos(angle), y: HEIGHT / 2 + ry * Math.sin(angle) }];
    }),
  );
}

function toward(from: Point, to: Point, distance: number): Point {
  const dx = to.x - from.x;
  const dy = to.y - from.y;
  const length = Math.hypot(dx, dy) || 1;
  return { x: from.x + (dx / length) * distance, y: from.y + (dy / length) * distance };
}

/** A curved path from a to b, bent to its right by `bend` px (so a → b and b → a do not overlap), ending at the node's rim. */
function curve(a: Point, b: Point, bend: number): { d: string; label: Point } {
  const length = Math.hypot(b.x - a.x, b.y - a.y) || 1;
  const control = {
    x: (a.x + b.x) / 2 + ((b.y - a.y) / length) * bend,
    y: (a.y + b.y) / 2 - ((b.x - a.x) / length) * bend,
  };
  const start = toward(a, control, NODE_RADIUS + 2);
  const end = toward(b, control, NODE_RADIUS + 6);
  const point = (p: Point) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`;
  return {
    d: `M${point(start)} Q${point(control)} ${point(end)}`,
    label: { x: (start.x + 2 * control.x + end.x) / 4, y: (start.y + 2 * control.y + end.y) / 4 },
  };
}

/** The stroke width of an arrow carrying `count` decisions. */
function strokeWidth(count: number): string {
  return (1.5 + Math.log2(1 + count) * 1.2).toFixed(1);
}

interface ArrowStyle {
  readonly colour: string;
  readonly marker: string;
  readonly dash: string | null;
  readonly bend: number;
  readonly suffix: string;
}

const ARROWS: Readonly<Record<'delivered' | 'refused' | 'kept', ArrowStyle>> = {
  delivered: { colour: COLOURS.delivered, marker: 'arrow-delivered', dash: null, bend: 28, suffix: ' ✓' },
  refused: { colour: COLOURS.refused, marker: 'arrow-refused', dash: '7 5', bend: 58, suffix: ' ✗' },
  kept: { colour: COLOURS.kept, marker: 'arrow-kept', dash: '2 4', bend: 88, suffix: ' kept' },
};

function markers(): SVGElement {
  const defs = svgElement('defs');
  for (const style of Object.values(ARROWS)) {
    const marker = svgElement('marker', {
      id: style.marker,
      viewBox: '0 0 10 10',
      refX: 9,
      refY: 5,
      markerWidth: 7,
      markerHeight: 7,
      orient: 'auto-start-reverse',
    });
    marker.appendChild(svgElement('path', { d: 'M0,0 L10,5 L0,10 z', fill: style.colour }));
    defs.appendChild(marker);
  }
  return defs;
}

/** Draws one edge's arrows into `edgeLayer` and their counts into `labelLayer`. */
function drawEdge(edge: Edge, positions: Map<string, Point>, edgeLayer: SVGElement, labelLayer: SVGElement): void {
  const a = positions.get(edge.sender);
  const b = positions.get(edge.recipient);
  if (!a || !b) return;
  const group = svgElement('g', { 'data-sender': edge.sender, 'data-recipient': edge.recipient });
  group.appendChild(svgElement('title', {}, `${edge.sender} → ${edge.recipient}\n${edge.types.join('\n')}`));
  for (const kind of ['delivered', 'refused', 'kept'] as const) {
    const count = edge[kind];
    if (count <= 0) continue;
    const style = ARROWS[kind];
    const path = curve(a, b, style.bend);
    group.appendChild(
      svgElement('path', {
        d: path.d,
        fill: 'none',
        stroke: style.colour,
        'stroke-width': strokeWidth(count),
        'marker-end': `url(#${style.marker})`,
        ...(style.dash ? { 'stroke-dasharray': style.dash } : {}),
      }),
    );
    labelLayer.appendChild(
      svgElement(
        'text',
        {
          x: path.label.x.toFixed(1),
          y: (path.label.y + 4).toFixed(1),
          'text-anchor': 'middle',
          'font-size': 13,
          'font-weight': 700,
          fill: style.colour,
          stroke: '#fff',
          'stroke-width': 4,
          'paint-order': 'stroke',
        },
        `${count}${style.suffix}`,
      ),
    );
  }
  edgeLayer.appendChild(group);
}

function drawNode(name: string, p: Point): SVGElement {
  const node = svgElement('g', { 'data-partner': name });
  node.appendChild(
    svgElement('circle', {
      cx: p.x.toFixed(1),
      cy: p.y.toFixed(1),
      r: NODE_RADIUS,
      fill: name === HUB_NODE ? COLOURS.hub : COLOURS.partner,
      stroke: '#fff',
      'stroke-width': 3,
    }),
  );
  const below = p.y >= HEIGHT / 2;
  node.appendChild(
    svgElement(
      'text',
      {
        x: p.x.toFixed(1),
        y: (below ? p.y + NODE_RADIUS + 18 : p.y - NODE_RADIUS - 8).toFixed(1),
        'text-anchor': 'middle',
        'font-size': 14,
        fill: COLOURS.text,
        stroke: '#fff',
        'stroke-width': 4,
        'paint-order': 'stroke',
      },
      name,
    ),
  );
  return node;
}

/** Draws the map of `flows` of `eventType` (all when empty) into `container`. */
export function drawFlowMap(container: HTMLElement, flows: readonly Flow[], eventType: string, period: string): void {
  container.textContent = '';
  const edges = edgesOf(flows, eventType);
  const names = [...new Set(edges.flatMap((edge) => [edge.sender, edge.recipient]))].sort();
  const svg = svgElement('svg', {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    width: WIDTH,
    height: HEIGHT,
    role: 'img',
    'aria-labelledby': 'flow-map-title flow-map-desc',
  });
  const delivered = edges.reduce((sum, edge) => sum + edge.delivered, 0);
  const refused = edges.reduce((sum, edge) => sum + edge.refused, 0);
  svg.appendChild(
    svgElement(
      'title',
      { id: 'flow-map-title' },
      `Flow map${eventType ? ` of ${eventType}` : ''}${period ? `, ${period}` : ''}`,
    ),
  );
  svg.appendChild(
    svgElement(
      'desc',
      { id: 'flow-map-desc' },
      `${names.length} partners, ${edges.length} sender-recipient pairs, ${delivered} delivered and ${refused} refused. The table below lists every flow.`,
    ),
  );
  svg.appendChild(markers());
  if (names.length === 0) {
    svg.appendChild(
      svgElement(
        'text',
        { x: WIDTH / 2, y: HEIGHT / 2, 'text-anchor': 'middle', 'font-size': 18, fill: COLOURS.text },
        'No decisions in this period.',
      ),
    );
    container.appendChild(svg);
    return;
  }
  const positions = layout(names);
  const edgeLayer = svgElement('g', { class: 'edges' });
  const labelLayer = svgElement('g', { class: 'edge-labels' });
  for (const edge of edges) drawEdge(edge, positions, edgeLayer, labelLayer);
  svg.appendChild(edgeLayer);
  const nodeLayer = svgElement('g', { class: 'nodes' });
  for (const name of names) {
    const p = positions.get(name);
    if (p) nodeLayer.appendChild(drawNode(name, p));
  }
  svg.appendChild(nodeLayer);
  svg.appendChild(labelLayer);
  container.appendChild(svg);
}
