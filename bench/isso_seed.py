"""Seed Isso 0.14 through its own API (POST /new?uri=...), in process; run with Isso's venv.

    bench/.isso-venv/bin/python bench/isso_seed.py ISSO_CFG URI TITLE COMMENTS_JSON

COMMENTS_JSON is a list of {"author", "email", "text", "parent"} where parent is the index
of an earlier comment in the list, or null. Prints the number of comments GET /?uri= returns.
"""
import json
import os
import sys

from werkzeug.test import Client


def main(config_path, uri, title, comments_path):
    os.environ["ISSO_SETTINGS"] = config_path
    from isso import config, make_app

    app = make_app(config.load(config.default_file(), config_path), multiprocessing=True)
    client = Client(app)
    origin = config.load(config.default_file(), config_path).get("general", "host").split()[0]
    headers = {"Origin": origin, "Referer": origin + uri}
    with open(comments_path) as source:
        comments = json.load(source)
    ids = []
    for comment in comments:
        parent = ids[comment["parent"]] if comment["parent"] is not None else None
        data = {"text": comment["text"], "author": comment["author"], "email": comment["email"],
                "parent": parent, "title": title}
        answer = client.post(f"/new?uri={uri}", json=data, headers=headers)
        if answer.status_code != 201:
            raise SystemExit(f"isso refused comment {len(ids)}: {answer.status_code} {answer.get_data(as_text=True)}")
        ids.append(answer.get_json()["id"])
    shown = client.get(f"/?uri={uri}", headers=headers).get_json()
    print(count(shown["replies"]))


def count(replies):
    return sum(1 + count(reply.get("replies", [])) for reply in replies)


if __name__ == "__main__":
    main(*sys.argv[1:5])
