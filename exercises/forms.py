"""The run endpoint's JSON body, validated by one Form."""

import json

from django import forms

MAX_CODE_BYTES = 20 * 1024


class BadBody(ValueError):
    """The body is not a JSON object: there is nothing for the form to read."""


class TextField(forms.CharField):
    """A CharField that takes only text: JSON numbers, lists or objects are not code."""

    def to_python(self, value):
        if value not in self.empty_values and not isinstance(value, str):
            raise forms.ValidationError(
                "must be text, not %(kind)s", code="invalid", params={"kind": _kind(value)}
            )
        return super().to_python(value)


class RunForm(forms.Form):
    code = TextField(
        strip=False,
        error_messages={"required": 'the body needs a code field: {"code": "..."}'},
    )
    # Optional: a name the page picks for this run, to ask /status for its place in the queue.
    ticket = TextField(required=False, max_length=64)

    @classmethod
    def from_json(cls, body: bytes) -> "RunForm":
        try:
            data = json.loads(body)
        except RecursionError:
            raise BadBody("the request body is JSON nested too deeply") from None
        except (ValueError, UnicodeDecodeError):
            raise BadBody('the request body must be JSON, e.g. {"code": "..."}') from None
        if not isinstance(data, dict):
            raise BadBody(f"the request body must be a JSON object, not {_kind(data)}")
        return cls(data=data)

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        try:
            size = len(code.encode("utf-8"))
        except UnicodeEncodeError:
            raise forms.ValidationError(
                "code holds a lone surrogate (\\ud800-\\udfff), which is not text", code="bad_text"
            ) from None
        if size > MAX_CODE_BYTES:
            raise forms.ValidationError(
                f"code is {size:,} bytes; at most {MAX_CODE_BYTES // 1024} KB", code="too_long"
            )
        return code

    def error_message(self) -> str:
        return "; ".join(
            message if message.startswith(("the body", "code ")) else f"{field} {message}"
            for field, errors in self.errors.items()
            for message in errors
        )


def _kind(value) -> str:
    return {dict: "an object", list: "a list", bool: "true/false", type(None): "null"}.get(
        type(value), "a number" if isinstance(value, int | float) else type(value).__name__
    )
