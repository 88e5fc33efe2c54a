"""Nicknames take their formal name in the given_name feature, and only there."""

from hublink.agent.normalise.names import normalise_names
from hublink.agent.normalise.nicknames import _formal_names, formal_given_name


def test_a_nickname_and_its_formal_name_give_the_same_given_name_feature():
    for nickname, formal in (("Mike", "Michael"), ("Bob", "Robert"), ("Liz", "Elizabeth"),
                             ("Tony", "Anthony"), ("Matt", "Matthew")):
        short = normalise_names(nickname, None, "Smith", None)
        full = normalise_names(formal, None, "Smith", None)
        assert short[0] == full[0] == formal.upper()
        assert nickname.upper() in short[2].split()  # name_tokens keeps the name as written


def test_names_common_in_their_own_right_are_kept():
    for name in ("ANN", "ALEX", "KING", "ELI", "JAY", "LIAM", "MICHAEL"):
        assert formal_given_name(name) == name


def test_the_map_is_idempotent_and_never_maps_to_a_nickname():
    table = _formal_names()
    assert len(table) > 500
    assert all(formal_given_name(formal) == formal for formal in table.values())
