"""stub"""

from __future__ import annotations
import argparse


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    return None
