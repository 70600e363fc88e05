"""Customs over HTTP (routes below)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["customs"])
