"""Every lever says how its public cost is computed (``steppe levers``, docs/LEVERS.md)."""

from model.levers import LEVER_COSTS, lever_names


def test_every_lever_has_a_public_cost_text():
    assert sorted(LEVER_COSTS) == sorted(lever_names())
    assert all(text.strip() for text in LEVER_COSTS.values())
