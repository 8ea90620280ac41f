"""A SKU's optional picture in the warehouse description: a file name in the pages' products
folder, never a path (no traversal) or an address (the service fetches nothing)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from edge.warehouse import DescriptionError, demo_description_path, parse_description


def with_picture(image: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(demo_description_path().read_text(encoding="utf-8"))
    data["skus"][1]["image"] = image
    return data


@pytest.mark.parametrize("name", ["mug.svg", "phone-case_2.png", "a.webp", "B1.jpeg"])
def test_a_file_name_in_the_products_folder_is_a_picture(name: str) -> None:
    desc = parse_description(with_picture(name))
    assert desc.skus[1].image == name


def test_without_a_picture_the_sku_has_none() -> None:
    data = with_picture(None)
    del data["skus"][1]["image"]
    assert parse_description(data).skus[1].image is None


@pytest.mark.parametrize(
    "image",
    [
        "../../edge.toml",
        "..svg",
        "products/mug.svg",
        "/etc/passwd.svg",
        "C:\\mug.svg",
        "https://example.com/mug.svg",
        "//cdn/mug.svg",
        "data:image/svg+xml,<svg/>",
        "mug.svg?x=1",
        "mug.html",
        "mug",
        ".svg",
        "",
        "a" * 120 + ".svg",
        7,
    ],
)
def test_a_path_an_address_or_another_kind_of_file_is_refused(image: Any) -> None:
    with pytest.raises(DescriptionError, match=r"skus\[1\]\.image"):
        parse_description(with_picture(image))


def test_the_demo_gives_a_few_skus_pictures_that_ship_with_the_pages() -> None:
    from handheld_ui.router import STATIC

    desc = parse_description(json.loads(demo_description_path().read_text(encoding="utf-8")))
    pictures = {s.image for s in desc.skus if s.image}
    assert len(pictures) >= 3 and all((STATIC / "products" / p).is_file() for p in pictures)
