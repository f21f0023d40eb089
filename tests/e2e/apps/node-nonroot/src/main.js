const { Command } = require("commander");
const chalk = require("chalk");
const { formatISO } = require("date-fns");
const Fastify = require("fastify");

const program = new Command().option("-p, --port <port>", "port", process.env.PORT || "3000").parse();
const app = Fastify();
app.get("/time", async () => ({ now: formatISO(new Date()) }));
app.listen({ port: Number(program.opts().port), host: "0.0.0.0" }).then((addr) => {
  console.log(chalk.green("listening on " + addr));
});
