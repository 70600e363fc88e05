"""Warehouse over HTTP (routes below)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["warehouse"])
