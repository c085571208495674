"""localcloud: moto's server plus the pieces of AWS that gold's tests need and moto lacks."""
