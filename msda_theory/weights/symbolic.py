"""Continuum (torus, no border) CutMix and HMix weights, derived with sympy (docs/theory.md section 6).

On the unit torus a box of side t (image fractions) with a uniform position holds
two points at per-axis offsets d in [0, 1/2] with probability h(t, dy) h(t, dx),

    h(t, d) = (t - d)_+ + (t - (1 - d))_+      (the second term: the box wraps around),

and holds one point with probability t^2. Then, from weights.box's expansion:

- CutMix: t = sqrt(1 - lam0), lam = 1 - t^2:
  a_pq = E[h_y h_x + t^2 - 2 t^4],  a_p = E[2 t^2 - 2 t^4];
- HMix: t = sqrt(r (1 - lam0)), kappa = 1 - t^2, lam = lam0:
  a_pq = E[lam0^2 (1 - 2 t^2 + h_y h_x) / kappa^2 + lam0 - 2 lam0^2].

For integer alpha the Beta density is a polynomial in t, so on every interval
of t where each h is one polynomial (0, t - d, or 2t - 1) the expectation is
an antiderivative in closed form: piecewise polynomials for CutMix, rational
functions and logarithms for HMix. The discrete torus law (weights.box with
torus=True) converges to it as the image grows (``torus_convergence``).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Callable

import sympy as sp
import torch

from msda_theory.weights.box import box_pair_weights

T, DY, DX = sp.symbols("t d_y d_x", nonnegative=True)
REGIMES = (sp.Integer(0), None, 2 * T - 1)  # h on t < d, d <= t < 1 - d, t >= 1 - d (None: t - d)


def _h(regime: int, d: sp.Symbol) -> sp.Expr:
    return T - d if regime == 1 else REGIMES[regime]


def _check_law(kind: str, alpha: int, r: float) -> None:
    if kind not in ("cutmix", "hmix"):
        raise ValueError(f"kind must be 'cutmix' or 'hmix', got {kind!r}")
    if not isinstance(alpha, int) or isinstance(alpha, bool) or alpha < 1:
        raise ValueError(f"the symbolic form needs an integer alpha >= 1, got {alpha!r}")
    if kind == "hmix" and not 0.0 < r <= 1.0:
        raise ValueError(f"r must be in (0, 1] for the symbolic HMix form, got {r!r}")


def integrand(kind: str, alpha: int, r: float, ry: int, rx: int) -> tuple[sp.Expr, sp.Expr]:
    """(density(t) * a_pq-integrand for the regimes (ry, rx), upper end of t)."""
    _check_law(kind, alpha, r)
    hh = _h(ry, DY) * _h(rx, DX)
    beta = sp.gamma(2 * alpha) / sp.gamma(alpha) ** 2
    if kind == "cutmix":
        lam = 1 - T**2
        dens = 2 * T * beta * lam ** (alpha - 1) * (1 - lam) ** (alpha - 1)
        return sp.expand(dens * (hh + T**2 - 2 * T**4)), sp.Integer(1)
    rr = sp.nsimplify(r)
    lam0 = 1 - T**2 / rr
    dens = 2 * T / rr * beta * lam0 ** (alpha - 1) * (1 - lam0) ** (alpha - 1)
    body = lam0**2 * (1 - 2 * T**2 + hh) / (1 - T**2) ** 2 + lam0 - 2 * lam0**2
    return dens * body, sp.sqrt(rr)


@lru_cache(maxsize=32)
def antiderivatives(kind: str, alpha: int = 1, r: float = 1.0) -> tuple[dict[tuple[int, int], Callable], float]:
    """Lambdified antiderivatives F_{ry,rx}(t, d_y, d_x) for the 9 regime pairs, and the top of t."""
    out = {}
    for ry in range(3):
        for rx in range(3):
            expr, top = integrand(kind, alpha, r, ry, rx)
            # cancel, then partial fractions in t: logs appear as log|t - 1|, valid for t in [0, 1).
            terms = sp.Add.make_args(sp.apart(sp.cancel(sp.together(expr)), T))
            prim = sp.Add(*(sp.integrate(term, T) for term in terms))
            prim = prim.replace(sp.log, lambda arg: sp.log(sp.Abs(arg)))
            out[(ry, rx)] = sp.lambdify((T, DY, DX), prim, "math")
    return out, float(top)


def _regime(t: float, d: float) -> int:
    return 0 if t < d else (1 if t < 1 - d else 2)


def torus_weight(kind: str, dy: float, dx: float, *, alpha: int = 1, r: float = 1.0) -> float:
    """a_pq on the torus at offsets (dy, dx) (fractions of the image, folded to [0, 1/2])."""
    dy, dx = (min(abs(v) % 1.0, 1.0 - abs(v) % 1.0) for v in (dy, dx))
    prims, top = antiderivatives(kind, alpha, r)
    edges = sorted({0.0, top} | {e for e in (dy, 1 - dy, dx, 1 - dx) if 0.0 < e < top})
    total = 0.0
    for a, b in zip(edges[:-1], edges[1:]):
        mid = 0.5 * (a + b)
        f = prims[(_regime(mid, dy), _regime(mid, dx))]
        total += f(b, dy, dx) - f(a, dy, dx)
    return total


def cutmix_torus_formula(alpha: int = 1) -> sp.Expr:
    """a_pq of continuum CutMix as one polynomial in (d_y, d_x), valid for 0 <= d_x <= d_y <= 1/2."""
    pieces = [(0, 0, 0, DX), (0, 1, DX, DY), (1, 1, DY, 1 - DY), (2, 1, 1 - DY, 1 - DX), (2, 2, 1 - DX, 1)]
    total = sum(sp.integrate(integrand("cutmix", alpha, 1.0, ry, rx)[0], (T, lo, hi)) for ry, rx, lo, hi in pieces)
    return sp.expand(total)


def torus_convergence(kind: str, sizes: tuple[int, ...] = (8, 16, 32, 64), *, alpha: int = 1,
                      r: float = 1.0) -> dict[int, float]:
    """max over q of |a_{0q}(discrete torus law, L x L) - a(continuum, offsets q / L)| per size L."""
    out = {}
    for n in sizes:
        exact = box_pair_weights((n, n), float(alpha), kind, r, torus=True).row((0, 0))
        cont = torch.tensor([[torus_weight(kind, qy / n, qx / n, alpha=alpha, r=r) for qx in range(n)]
                             for qy in range(n)], dtype=torch.float64)
        out[n] = float((exact - cont).abs().max())
    return out
