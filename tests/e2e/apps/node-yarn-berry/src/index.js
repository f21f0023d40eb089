const express = require("express");
const morgan = require("morgan");

const app = express();
app.use(morgan("tiny"));
app.get("/healthz", (_req, res) => res.json({ ok: true }));
app.listen(process.env.PORT || 8080);
