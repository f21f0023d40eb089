const express = require("express");
const dayjs = require("dayjs");
const app = express();
app.get("/", (_req, res) => res.json({ ok: true, at: dayjs().toISOString() }));
app.listen(3000);
