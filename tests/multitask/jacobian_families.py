"""Random task Jacobians (float64 host arrays) from the degenerate families every weighting
must survive: zero rows, exact opposites, parallel rows, rank-deficient, plus plain random and
nearly aligned ones. Seeded, so a failure names the case that broke."""
import numpy as np

FAMILIES = ("random", "zero_row", "opposite", "parallel", "rank_deficient", "aligned")


def make(family: str, rng, m: int, n: int):
    J = rng.standard_normal((m, n)) * rng.uniform(0.2, 5.0)
    if family == "zero_row":
        J[rng.integers(m)] = 0.0
    elif family == "opposite":
        i, j = rng.choice(m, 2, replace=False)
        J[j] = -J[i] * rng.choice([1.0, rng.uniform(0.1, 3.0)])
    elif family == "parallel":
        i, j = rng.choice(m, 2, replace=False)
        J[j] = J[i] * rng.uniform(0.1, 3.0)
    elif family == "rank_deficient":
        r = max(1, min(m, n) - 1)
        J = rng.standard_normal((m, r)) @ rng.standard_normal((r, n))
    elif family == "aligned":
        J = J + 4.0 * np.abs(J).max() * rng.standard_normal(n)
    return J


def cases(count_per_family: int = 12, seed: int = 0, sizes=((2, 3), (3, 3), (3, 5), (5, 4),
                                                            (4, 2))):
    """``(label, J)`` for every family and size, ``count_per_family`` of each in all."""
    out = []
    for f_idx, family in enumerate(FAMILIES):
        rng = np.random.default_rng([seed, f_idx])
        for k in range(count_per_family):
            m, n = sizes[k % len(sizes)]
            out.append((f"{family}-{k}-{m}x{n}", make(family, rng, m, n)))
    return out
