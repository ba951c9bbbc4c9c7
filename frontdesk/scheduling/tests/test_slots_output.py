"""What find_slots returns: OpenSlots, a read-only sequence of Slot built on demand.

Whatever way it is read (iterated, indexed, sliced, run by run, compared), it must give the same
slots in the documented order, and a slice of one provider at one location must not need the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from frontdesk.scheduling.slots import Interval, OpenSlots, ProviderSchedule, Rule, Slot, SlotRequest, find_slots

NEW_YORK = ZoneInfo("America/New_York")
MONDAY = date(2026, 3, 2)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=NEW_YORK)


def mornings(location: str) -> Rule:
    return Rule(location, NEW_YORK, "weekly", 1, frozenset({0, 1}), MONDAY, None, time(9), time(11))


REQUEST = SlotRequest("visit", timedelta(minutes=30), at(2, 0), at(4, 0), now=at(1, 0))


def two_providers() -> OpenSlots:
    return find_slots(
        [
            ProviderSchedule("dr-b", rules=(mornings("boston"),), busy=(Interval(at(2, 9), at(2, 10)),)),
            ProviderSchedule("dr-a", rules=(mornings("cambridge"), mornings("boston"))),
        ],
        REQUEST,
    )


def one_provider() -> OpenSlots:
    return find_slots([ProviderSchedule("dr", rules=(mornings("boston"),))], REQUEST)


def local(slot: Slot) -> str:
    return f"{slot.provider} {slot.location} {slot.start.astimezone(NEW_YORK):%d %H:%M}"


def test_it_is_a_sequence_of_slots_in_start_provider_location_order() -> None:
    found = two_providers()

    assert isinstance(found, Sequence)
    assert len(found) == 22  # dr-a: 8 starts at two locations; dr-b: 8 less the two busy ones
    assert [local(s) for s in found][:7] == [
        "dr-a boston 02 09:00",
        "dr-a cambridge 02 09:00",
        "dr-a boston 02 09:30",
        "dr-a cambridge 02 09:30",
        "dr-a boston 02 10:00",
        "dr-a cambridge 02 10:00",
        "dr-b boston 02 10:00",
    ]
    assert all(isinstance(s, Slot) and s.start.tzinfo is UTC and s.end - s.start == REQUEST.duration for s in found)


def test_it_gives_runs_per_provider_and_location_in_time_order() -> None:
    runs = [
        (provider, location, [f"{s.start.astimezone(NEW_YORK):%d %H:%M}" for s in made])
        for provider, location, made in two_providers().runs()
    ]

    assert runs == [
        ("dr-a", "boston", ["02 09:00", "02 09:30", "02 10:00", "02 10:30", "03 09:00", "03 09:30", "03 10:00", "03 10:30"]),
        ("dr-a", "cambridge", ["02 09:00", "02 09:30", "02 10:00", "02 10:30", "03 09:00", "03 09:30", "03 10:00", "03 10:30"]),
        ("dr-b", "boston", ["02 10:00", "02 10:30", "03 09:00", "03 09:30", "03 10:00", "03 10:30"]),
    ]  # fmt: skip


@pytest.mark.parametrize("make", [one_provider, two_providers], ids=["one-run", "many-runs"])
@pytest.mark.parametrize(
    "index",
    [0, 3, -1, -5, slice(None), slice(2, 5), slice(-3, None), slice(None, None, 2), slice(5, 2), slice(None, None, -1), slice(100, 200)],
)  # fmt: skip
def test_it_indexes_and_slices_like_the_list_of_its_slots(make: Callable[[], OpenSlots], index: int | slice) -> None:
    expected = list(make())

    assert make()[index] == expected[index]


@pytest.mark.parametrize("make", [one_provider, two_providers], ids=["one-run", "many-runs"])
def test_it_raises_index_error_past_the_end(make: Callable[[], OpenSlots]) -> None:
    found = make()
    with pytest.raises(IndexError):
        found[len(found)]


def test_a_page_of_one_provider_builds_only_that_page() -> None:
    found = one_provider()

    page = found[2:4]

    assert [local(s) for s in page] == ["dr boston 02 10:00", "dr boston 02 10:30"]
    assert found._all is None  # the sorted list of every slot was never built
    assert len(found._times) == 2


@pytest.mark.parametrize(
    ("other", "equal"),
    [
        pytest.param(lambda found: list(found), True, id="its-list"),
        pytest.param(lambda found: tuple(found), True, id="its-tuple"),
        pytest.param(lambda found: two_providers(), True, id="another-search-alike"),
        pytest.param(lambda found: list(found)[:-1], False, id="one-slot-fewer"),
        pytest.param(lambda found: list(reversed(list(found))), False, id="other-order"),
        pytest.param(lambda found: one_provider(), False, id="another-search"),
    ],
)
def test_it_compares_equal_to_any_sequence_of_the_same_slots(other: Callable[[OpenSlots], object], equal: bool) -> None:
    found = two_providers()

    assert (found == other(found)) is equal
    assert (found != other(found)) is not equal


def test_it_is_not_equal_to_strings_and_is_not_hashable() -> None:
    found = find_slots([], REQUEST)

    assert found == []
    assert found != ""
    assert found != 0
    with pytest.raises(TypeError):
        hash(found)
    assert repr(two_providers()) == "OpenSlots(22 slots)"


def test_an_empty_search_is_empty_whichever_way_it_is_read() -> None:
    found = find_slots(
        [ProviderSchedule("dr", rules=(mornings("boston"),))],
        SlotRequest("visit", REQUEST.duration, at(2, 0), at(2, 0), now=at(1, 0)),
    )

    assert len(found) == 0
    assert list(found) == []
    assert list(found.runs()) == []
    assert found[:] == []
