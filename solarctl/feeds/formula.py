"""A price formula from a tariff file, evaluated safely: arithmetic on numbers and the names given
(`market`: the day-ahead price per kWh), `min`, `max`, `abs`; nothing else is accepted (no attribute, call,
subscript or name beyond those), so a tariff file can never run code.

    import_price = "(market + 0.0995) * 1.2"     # grid fees on top, then 20 % VAT
    feed_in = "max(0, market - 0.01)"
"""

from __future__ import annotations

import ast
import math
import operator
from typing import Callable

_BINARY: dict[type, Callable[[float, float], float]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
_UNARY: dict[type, Callable[[float], float]] = {ast.USub: operator.neg, ast.UAdd: operator.pos}
_FUNCTIONS: dict[str, Callable[..., float]] = {"min": min, "max": max, "abs": abs}
MAX_LENGTH = 200


class FormulaError(ValueError):
    """A formula that cannot be used, as one sentence."""


class Formula:
    def __init__(self, text: str, names: tuple[str, ...] = ("market",)) -> None:
        if len(text) > MAX_LENGTH:
            raise FormulaError(f"price formula longer than {MAX_LENGTH} characters")
        try:
            tree = ast.parse(text, mode="eval")
        except SyntaxError:
            raise FormulaError(f"price formula {text!r} is not arithmetic such as \"(market + 0.1) * 1.2\"") from None
        self.text, self.names = text, names
        self._check(tree.body)
        self._tree = tree.body

    def _check(self, node: ast.expr) -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            return
        if isinstance(node, ast.Name) and node.id in self.names:
            return
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            self._check(node.left)
            self._check(node.right)
            return
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            self._check(node.operand)
            return
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS
                and node.args and not node.keywords):
            for arg in node.args:
                self._check(arg)
            return
        raise FormulaError(f"price formula {self.text!r}: {ast.unparse(node)!r} is not allowed; use numbers, "
                           f"{', '.join(self.names)}, + - * / ( ) and min, max, abs")

    def __call__(self, **values: float) -> float:
        result = self._eval(self._tree, values)
        if not math.isfinite(result):
            raise FormulaError(f"price formula {self.text!r} gave {result} for {values}")
        return result

    def _eval(self, node: ast.expr, values: dict[str, float]) -> float:
        if isinstance(node, ast.Constant):
            assert isinstance(node.value, (int, float))  # _check let no other constant through
            return float(node.value)
        if isinstance(node, ast.Name):
            return values[node.id]
        if isinstance(node, ast.BinOp):
            left, right = self._eval(node.left, values), self._eval(node.right, values)
            try:
                return _BINARY[type(node.op)](left, right)
            except ZeroDivisionError:
                raise FormulaError(f"price formula {self.text!r} divides by zero for {values}") from None
        if isinstance(node, ast.UnaryOp):
            return _UNARY[type(node.op)](self._eval(node.operand, values))
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)  # _check let nothing else through
        return float(_FUNCTIONS[node.func.id](*(self._eval(arg, values) for arg in node.args)))
