const Joi = require("joi");
const { v4: uuid } = require("uuid");
const dayjs = require("dayjs");

const schema = Joi.object({
  title: Joi.string().min(1).max(200).required(),
  body: Joi.string().allow("").default(""),
});

const notes = new Map();

function create(input) {
  const { value, error } = schema.validate(input);
  if (error) {
    const err = new Error(error.message);
    err.status = 400;
    throw err;
  }
  const note = { id: uuid(), createdAt: dayjs().toISOString(), ...value };
  notes.set(note.id, note);
  return note;
}

function list() {
  return [...notes.values()];
}

module.exports = { create, list };
