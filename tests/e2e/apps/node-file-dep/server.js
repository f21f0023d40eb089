const express = require("express");
const slugify = require("slugify-lite");

const app = express();
app.get("/slug", (req, res) => res.json({ slug: slugify(req.query.text || "") }));
app.listen(Number(process.env.PORT || 3000));
