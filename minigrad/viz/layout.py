"""Place the boxes of a :class:`~minigrad.viz.graph.Graph` in layers (a small Sugiyama layout).

1. Rank: every node sits one layer after its latest input (longest path), and a leaf sits just
   before its first consumer, so a parameter is drawn next to the op that uses it.
2. Edges that skip layers get invisible waypoints, one per skipped layer, so they are routed
   between boxes rather than through them.
3. Order within a layer: repeated barycentre sweeps (each node moves to the mean position of its
   neighbours in the layer above or below), keeping the order with the fewest edge crossings.
4. Coordinates: each layer is placed as close as possible (least squares) to its neighbours'
   positions subject to "no two boxes closer than a gap", solved exactly by pool-adjacent-
   violators; so boxes never overlap, whatever their sizes.

Units are inches; ``u`` runs across layers' width, ``v`` along the layers (down for "TB", right
for "LR").
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Layout:
    centres: dict  # key -> (x, y) in inches, y pointing down
    sizes: dict  # key -> (width, height)
    routes: dict  # edge -> list of (x, y) points from source box to target box
    width: float
    height: float
    ranks: dict


def _ranks(graph) -> dict:
    preds, succs = graph.preds(), graph.succs()
    indeg = {k: len(v) for k, v in preds.items()}
    order = [k for k, d in indeg.items() if d == 0]
    for k in order:  # Kahn's algorithm; `order` grows while we walk it
        for s in succs[k]:
            indeg[s] -= 1
            if indeg[s] == 0:
                order.append(s)
    rank: dict = {}
    for k in order:
        rank[k] = max((rank[p] + 1 for p in preds[k]), default=0)
    for k in order:  # sources: just before their first consumer
        if not preds[k] and succs[k]:
            rank[k] = min(rank[s] for s in succs[k]) - 1
    low = min(rank.values())
    return {k: r - low for k, r in rank.items()}


def _crossings(layers, up) -> int:
    pos = {k: i for layer in layers for i, k in enumerate(layer)}
    total = 0
    for layer in layers[1:]:
        pairs = [(pos[a], pos[b]) for b in layer for a in up[b]]
        for i in range(len(pairs)):
            a1, b1 = pairs[i]
            for a2, b2 in pairs[i + 1:]:
                if (a1 - a2) * (b1 - b2) < 0:
                    total += 1
    return total


def _order(layers, up, down, sweeps=12):
    best = [list(layer) for layer in layers]
    best_c = _crossings(best, up)
    cur = [list(layer) for layer in layers]
    for s in range(sweeps):
        downward = s % 2 == 0
        seq = range(1, len(cur)) if downward else range(len(cur) - 2, -1, -1)
        for r in seq:
            ref = cur[r - 1] if downward else cur[r + 1]
            pos = {k: i for i, k in enumerate(ref)}
            nbrs = up if downward else down
            old = {k: i for i, k in enumerate(cur[r])}

            def bary(k):
                ps = [pos[n] for n in nbrs[k] if n in pos]
                return sum(ps) / len(ps) if ps else old[k]

            cur[r].sort(key=lambda k: (bary(k), old[k]))
        c = _crossings(cur, up)
        if c < best_c:
            best, best_c = [list(layer) for layer in cur], c
    return best


def _pava(targets, weights):
    """Non-decreasing sequence closest (weighted least squares) to ``targets``."""
    blocks = []  # [value, weight, count]
    for t, w in zip(targets, weights):
        blocks.append([t, w, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            v2, w2, n2 = blocks.pop()
            v1, w1, n1 = blocks.pop()
            blocks.append([(v1 * w1 + v2 * w2) / (w1 + w2), w1 + w2, n1 + n2])
    out = []
    for v, _, n in blocks:
        out.extend([v] * n)
    return out


def _place(layer, desired, size_u, gap, weight):
    """Centres for ``layer`` nearest to ``desired`` (weighted least squares) with boxes at
    least ``gap`` apart."""
    offs, c = [], 0.0
    for i, k in enumerate(layer):
        if i:
            c += (size_u[layer[i - 1]] + size_u[k]) / 2 + gap
        offs.append(c)
    weights = [weight[k] for k in layer]
    ys = _pava([desired[k] - o for k, o in zip(layer, offs)], weights)
    return {k: y + o for k, y, o in zip(layer, ys, offs)}


def layout(graph, sizes: dict, rankdir: str = "TB", gap: float = 0.3,
           rank_gap: float = 0.45, margin: float = 0.15) -> Layout:
    """Positions for every node of ``graph`` given box ``sizes`` {key: (w, h)} in inches."""
    if rankdir not in ("TB", "LR"):
        raise ValueError(f"draw_graph: rankdir must be 'TB' or 'LR', got {rankdir!r}")
    tb = rankdir == "TB"
    rank = _ranks(graph)
    up: dict = {k: [] for k in graph.nodes}
    down: dict = {k: [] for k in graph.nodes}
    chains = {}
    for a, b in graph.edges:
        chain = [a]
        for r in range(rank[a] + 1, rank[b]):
            d = ("dummy", a, b, r)
            rank[d] = r
            up[d], down[d] = [], []
            chain.append(d)
        chain.append(b)
        for x, y in zip(chain, chain[1:]):
            down[x].append(y)
            up[y].append(x)
        chains[(a, b)] = chain
    nlayers = max(rank.values()) + 1
    layers: list[list] = [[] for _ in range(nlayers)]
    for k in rank:  # discovery order first: roots' side of the graph stays together
        layers[rank[k]].append(k)
    layers = _order(layers, up, down)

    def size_uv(k):
        if isinstance(k, tuple) and k[0] == "dummy":
            return 0.12, 0.0
        w, h = sizes[k]
        return (w, h) if tb else (h, w)

    su = {k: size_uv(k)[0] for k in rank}
    sv = {k: size_uv(k)[1] for k in rank}
    # How firmly a node holds its desired place: the main data path most, then waypoints of
    # long edges, then sources (parameters, constants), which step aside for the path.
    weight = {k: 0.3 if k[0] == "dummy" else 0.1 if not up[k] else 1.0 for k in rank}
    u = {}
    for layer in layers:
        u.update(_place(layer, {k: 0.0 for k in layer}, su, gap, weight))
    for it in range(10):
        downward = it % 2 == 0
        seq = layers[1:] if downward else layers[-2::-1]
        for layer in seq:
            desired = {}
            for k in layer:
                nb = (up[k] if downward else down[k]) or (up[k] + down[k])
                # inputs with no inputs of their own (parameters, constants) pull only a
                # little, so the main data path stays straight instead of drifting sideways
                w = [0.15 if (not up[n] and downward) else 1.0 for n in nb]
                desired[k] = (sum(wi * u[n] for wi, n in zip(w, nb)) / sum(w)) if nb else u[k]
            u.update(_place(layer, desired, su, gap, weight))
    thick = [max((sv[k] for k in layer), default=0.0) for layer in layers]
    v_centre, v = [], margin
    for t in thick:
        v_centre.append(v + t / 2)
        v += t + rank_gap
    lo = min(u[k] - su[k] / 2 for k in rank)
    hi = max(u[k] + su[k] / 2 for k in rank)
    uv = {k: (u[k] - lo + margin, v_centre[rank[k]]) for k in rank}
    extent_u, extent_v = hi - lo + 2 * margin, v - rank_gap + margin

    def xy(p):
        return p if tb else (p[1], p[0])

    centres = {k: xy(uv[k]) for k in graph.nodes}
    routes = {}
    for (a, b), chain in chains.items():
        ua, va = uv[a]
        ub, vb = uv[b]
        pts = [(_port(a, b, down, uv), va + sv[a] / 2)]
        pts += [uv[d] for d in chain[1:-1]]
        pts.append((_port(b, a, up, uv), vb - sv[b] / 2))
        routes[(a, b)] = [xy(p) for p in pts]
    width, height = xy((extent_u, extent_v))
    return Layout(centres, sizes, routes, width, height, {k: rank[k] for k in graph.nodes})


def _port(node, other, nbrs, uv):
    """Where an edge leaves/enters ``node``: spread along its side by the neighbours' order."""
    ns = nbrs[node]
    if len(ns) <= 1:
        return uv[node][0]
    # the neighbour in the chain toward `other` is the first hop; find its position among ns
    ordered = sorted(ns, key=lambda n: uv[n][0])
    hop = next((n for n in ordered if n == other or (isinstance(n, tuple) and n[0] == "dummy"
                                                     and other in n[1:3])), ordered[0])
    i = ordered.index(hop)
    return uv[node][0] + (i - (len(ordered) - 1) / 2) * 0.08
