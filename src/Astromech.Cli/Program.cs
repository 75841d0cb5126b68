Console.WriteLine("astromech");
