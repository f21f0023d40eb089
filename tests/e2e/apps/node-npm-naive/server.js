const express = require("express");
const compression = require("compression");
const cors = require("cors");
const helmet = require("helmet");
const morgan = require("morgan");
const pino = require("pino");
const notes = require("./lib/notes");

const log = pino();
const app = express();
app.use(helmet());
app.use(cors());
app.use(compression());
app.use(morgan("tiny"));
app.use(express.json());

app.get("/healthz", (req, res) => res.json({ ok: true }));
app.get("/notes", (req, res) => res.json(notes.list()));
app.post("/notes", (req, res, next) => {
  try {
    res.status(201).json(notes.create(req.body));
  } catch (err) {
    next(err);
  }
});
app.use((err, req, res, next) => res.status(err.status || 500).json({ error: err.message }));

const port = Number(process.env.PORT || 3000);
app.listen(port, () => log.info({ port }, "listening"));
