const Koa = require("koa");
const Router = require("@koa/router");
const bodyParser = require("koa-bodyparser");
const logger = require("koa-logger");
const { nanoid } = require("nanoid");
const YAML = require("yaml");
const _ = require("lodash");

const items = [];
const app = new Koa();
const router = new Router();

router.get("/items", (ctx) => {
  ctx.body = ctx.query.format === "yaml" ? YAML.stringify(items) : items;
});
router.post("/items", (ctx) => {
  const item = { id: nanoid(), ..._.pick(ctx.request.body, ["name", "qty"]) };
  items.push(item);
  ctx.status = 201;
  ctx.body = item;
});

app.use(logger()).use(bodyParser()).use(router.routes()).use(router.allowedMethods());
app.listen(Number(process.env.PORT || 8080));
