const express = require("express");
const routes = require("../generated/routes.json");

const app = express();
for (const r of routes) {
  app.get(r.path, require(r.module));
}
app.listen(Number(process.env.PORT || 3000));
