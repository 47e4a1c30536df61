/*
 * The flow map: partners as nodes on a circle, one curved arrow per sender → recipient with the
 * delivered (solid, green) and refused (dashed, red) counts of the chosen event types. No library:
 * a small SVG layout. The table under the map carries the same figures for screen readers.
 */
(function () {
  'use strict';
  var SVG = 'http://www.w3.org/2000/svg';
  var WIDTH = 900;
  var HEIGHT = 560;
  var NODE_RADIUS = 24;

  function el(name, attributes, text) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attributes || {}).forEach(function (key) {
      node.setAttribute(key, String(attributes[key]));
    });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /** Totals per sender → recipient of the flows of `eventType` (all when empty). */
  function edgesOf(flows, eventType) {
    var edges = new Map();
    flows.forEach(function (flow) {
      if (eventType && flow.eventType !== eventType) return;
      var key = flow.sender + '\u0000' + flow.recipient;
      var edge = edges.get(key) || {
        sender: flow.sender,
        recipient: flow.recipient,
        delivered: 0,
        refused: 0,
        kept: 0,
        types: [],
      };
      edge.delivered += flow.delivered;
      edge.refused += flow.refused;
      edge.kept += flow.kept || 0;
      edge.types.push(
        flow.eventType +
          ': ' +
          flow.delivered +
          ' delivered, ' +
          flow.refused +
          ' refused' +
          (flow.kept ? ', ' + flow.kept + ' kept by the hub' : ''),
      );
      edges.set(key, edge);
    });
    return Array.from(edges.values());
  }

  /** Node positions: the partners on an ellipse, in name order. */
  function layout(names) {
    var positions = new Map();
    var rx = WIDTH / 2 - 120;
    var ry = HEIGHT / 2 - 70;
    names.forEach(function (name, index) {
      var angle = -Math.PI / 2 + (2 * Math.PI * index) / names.length;
      positions.set(name, { x: WIDTH / 2 + rx * Math.cos(angle), y: HEIGHT / 2 + ry * Math.sin(angle) });
    });
    return positions;
  }

  /** A curved path from a to b, bent to its right by `bend` px (so a → b and b → a do not overlap), ending at the node's rim. */
  function curve(a, b, bend) {
    var dx = b.x - a.x;
    var dy = b.y - a.y;
    var length = Math.sqrt(dx * dx + dy * dy) || 1;
    var nx = dy / length;
    var ny = -dx / length;
    var control = { x: (a.x + b.x) / 2 + nx * bend, y: (a.y + b.y) / 2 + ny * bend };
    function toward(from, to, distance) {
      var ex = to.x - from.x;
      var ey = to.y - from.y;
      var d = Math.sqrt(ex * ex + ey * ey) || 1;
      return { x: from.x + (ex / d) * distance, y: from.y + (ey / d) * distance };
    }
    var start = toward(a, control, NODE_RADIUS + 2);
    var end = toward(b, control, NODE_RADIUS + 6);
    return {
      d:
        'M' +
        start.x.toFixed(1) +
        ',' +
        start.y.toFixed(1) +
        ' Q' +
        control.x.toFixed(1) +
        ',' +
        control.y.toFixed(1) +
        ' ' +
        end.x.toFixed(1) +
        ',' +
        end.y.toFixed(1),
      label: { x: (start.x + 2 * control.x + end.x) / 4, y: (start.y + 2 * control.y + end.y) / 4 },
    };
  }

  function width(count) {
    return (1.5 + Math.log2(1 + count) * 1.2).toFixed(1);
  }

  /** Draws the map of `flows` ({ sender, recipient, eventType, delivered, refused }[]) into `container`. */
  function draw(container, flows, eventType, period) {
    container.textContent = '';
    var edges = edgesOf(flows, eventType);
    var names = Array.from(
      new Set(
        edges.flatMap(function (edge) {
          return [edge.sender, edge.recipient];
        }),
      ),
    ).sort();
    var svg = el('svg', {
      viewBox: '0 0 ' + WIDTH + ' ' + HEIGHT,
      width: WIDTH,
      height: HEIGHT,
      role: 'img',
      'aria-labelledby': 'flow-map-title flow-map-desc',
    });
    var delivered = edges.reduce(function (sum, edge) {
      return sum + edge.delivered;
    }, 0);
    var refused = edges.reduce(function (sum, edge) {
      return sum + edge.refused;
    }, 0);
    svg.appendChild(
      el(
        'title',
        { id: 'flow-map-title' },
        'Flow map' + (eventType ? ' of ' + eventType : '') + (period ? ', ' + period : ''),
      ),
    );
    svg.appendChild(
      el(
        'desc',
        { id: 'flow-map-desc' },
        names.length +
          ' partners, ' +
          edges.length +
          ' sender-recipient pairs, ' +
          delivered +
          ' delivered and ' +
          refused +
          ' refused. The table below lists every flow.',
      ),
    );
    var defs = el('defs');
    [
      ['arrow-delivered', '#00703c'],
      ['arrow-refused', '#a4161a'],
      ['arrow-kept', '#505a5f'],
    ].forEach(function (marker) {
      var m = el('marker', {
        id: marker[0],
        viewBox: '0 0 10 10',
        refX: 9,
        refY: 5,
        markerWidth: 7,
        markerHeight: 7,
        orient: 'auto-start-reverse',
      });
      m.appendChild(el('path', { d: 'M0,0 L10,5 L0,10 z', fill: marker[1] }));
      defs.appendChild(m);
    });
    svg.appendChild(defs);
    if (names.length === 0) {
      svg.appendChild(
        el(
          'text',
          { x: WIDTH / 2, y: HEIGHT / 2, 'text-anchor': 'middle', 'font-size': 18, fill: '#1b1b1b' },
          'No decisions in this period.',
        ),
      );
      container.appendChild(svg);
      return;
    }
    var positions = layout(names);
    var edgeLayer = el('g', { class: 'edges' });
    var labelLayer = el('g', { class: 'edge-labels' });
    edges.forEach(function (edge) {
      var a = positions.get(edge.sender);
      var b = positions.get(edge.recipient);
      var group = el('g', { 'data-sender': edge.sender, 'data-recipient': edge.recipient });
      group.appendChild(el('title', {}, edge.sender + ' → ' + edge.recipient + '\n' + edge.types.join('\n')));
      var parts = [];
      if (edge.delivered > 0)
        parts.push({
          count: edge.delivered,
          colour: '#00703c',
          marker: 'arrow-delivered',
          dash: null,
          bend: 28,
          text: edge.delivered + ' ✓',
        });
      if (edge.refused > 0)
        parts.push({
          count: edge.refused,
          colour: '#a4161a',
          marker: 'arrow-refused',
          dash: '7 5',
          bend: 58,
          text: edge.refused + ' ✗',
        });
      // Kept by the hub: events no partner could receive, applied to the hub's own state.
      if (edge.kept > 0)
        parts.push({
          count: edge.kept,
          colour: '#505a5f',
          marker: 'arrow-kept',
          dash: '2 4',
          bend: 88,
          text: edge.kept + ' kept',
        });
      parts.forEach(function (part) {
        var path = curve(a, b, part.bend);
        var attributes = {
          d: path.d,
          fill: 'none',
          stroke: part.colour,
          'stroke-width': width(part.count),
          'marker-end': 'url(#' + part.marker + ')',
        };
        if (part.dash) attributes['stroke-dasharray'] = part.dash;
        group.appendChild(el('path', attributes));
        var label = el(
          'text',
          {
            x: path.label.x.toFixed(1),
            y: (path.label.y + 4).toFixed(1),
            'text-anchor': 'middle',
            'font-size': 13,
            'font-weight': 700,
            fill: part.colour,
            stroke: '#fff',
            'stroke-width': 4,
            'paint-order': 'stroke',
          },
          part.text,
        );
        labelLayer.appendChild(label);
      });
      edgeLayer.appendChild(group);
    });
    svg.appendChild(edgeLayer);
    var nodeLayer = el('g', { class: 'nodes' });
    names.forEach(function (name) {
      var p = positions.get(name);
      var node = el('g', { 'data-partner': name });
      node.appendChild(
        el('circle', {
          cx: p.x.toFixed(1),
          cy: p.y.toFixed(1),
          r: NODE_RADIUS,
          fill: name === 'cstr-hub' ? '#0b0c0c' : '#005ea5',
          stroke: '#fff',
          'stroke-width': 3,
        }),
      );
      var below = p.y >= HEIGHT / 2;
      node.appendChild(
        el(
          'text',
          {
            x: p.x.toFixed(1),
            y: (below ? p.y + NODE_RADIUS + 18 : p.y - NODE_RADIUS - 8).toFixed(1),
            'text-anchor': 'middle',
            'font-size': 14,
            fill: '#1b1b1b',
            stroke: '#fff',
            'stroke-width': 4,
            'paint-order': 'stroke',
          },
          name,
        ),
      );
      nodeLayer.appendChild(node);
    });
    svg.appendChild(nodeLayer);
    svg.appendChild(labelLayer);
    container.appendChild(svg);
  }

  window.CstrFlowMap = { draw: draw, edgesOf: edgesOf };
})();
