const express = require("express");
const slugify = require("slugify-lite");
const statusText = require("http-status-text");

const app = express();
app.get("/slug", (req, res) => res.json({ slug: slugify(req.query.text || ""), status: statusText(200) }));
app.listen(Number(process.env.PORT || 3000));
