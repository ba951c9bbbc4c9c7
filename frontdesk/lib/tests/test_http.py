"""The outbound HTTP guard: only http(s) URLs whose host resolves to public addresses.

Only IP literals are used, so no test resolves a name over the network.
"""

from __future__ import annotations

import pytest

from frontdesk.lib.http import BlockedAddress, check_url, is_public_address


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # carrier-grade NAT
        ("0.0.0.0", False),  # noqa: S104 (an address checked, not bound)
        ("::1", False),
        ("fe80::1", False),
        ("fd00::1", False),
        ("224.0.0.1", False),
    ],
)
def test_it_tells_public_addresses_from_internal_ones(address: str, public: bool) -> None:
    assert is_public_address(address) is public


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "https://10.0.0.5:8443/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "ftp://8.8.8.8/",
        "file:///etc/passwd",
        "https:///no-host",
    ],
)
def test_it_blocks_internal_and_non_http_urls(url: str) -> None:
    with pytest.raises(BlockedAddress):
        check_url(url)


def test_it_allows_public_addresses_and_private_ones_only_when_asked() -> None:
    check_url("https://8.8.8.8/x")
    check_url("http://127.0.0.1:8000/", allow_private=True)
    with pytest.raises(BlockedAddress):
        check_url("ftp://127.0.0.1/", allow_private=True)
