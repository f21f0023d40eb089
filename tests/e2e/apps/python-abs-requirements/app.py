import os

import requests
from dotenv import load_dotenv
from flask import Flask, abort, jsonify, redirect, request
from pydantic import BaseModel, HttpUrl, ValidationError

from shortener.store import Store

load_dotenv()
app = Flask(__name__)
store = Store()


class NewLink(BaseModel):
    url: HttpUrl
    check: bool = False


@app.post("/links")
def create_link():
    try:
        body = NewLink.model_validate(request.get_json(force=True))
    except ValidationError as exc:
        return jsonify(error=exc.errors()), 400
    if body.check:
        requests.head(str(body.url), timeout=5).raise_for_status()
    return jsonify(key=store.add(str(body.url))), 201


@app.get("/<key>")
def follow(key: str):
    url = store.get(key)
    if url is None:
        abort(404)
    return redirect(url)


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "5000")))
